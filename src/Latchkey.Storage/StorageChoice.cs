using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Storage;

/// <summary>
/// The storage provider and connection string that configuration names: <c>Latchkey:Storage:Provider</c>
/// (<see cref="Sqlite"/>, the default, or <see cref="Postgres"/>) on <c>ConnectionStrings:Latchkey</c>. The one reading
/// of that choice, for the server's <c>AddLatchkey</c> and the <c>latchkey</c> tool alike; each then registers the
/// provider it names (<c>AddLatchkeySqlite</c> or <c>AddLatchkeyPostgres</c>, which this layer cannot reference).
/// </summary>
internal sealed record StorageChoice(string Provider, string? ConnectionString)
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    /// <summary>
    /// Binds <see cref="LatchkeyStorageOptions"/> and returns the choice; throws <see cref="StorageConfigurationException"/>,
    /// naming the setting to change, when it cannot be served.
    /// </summary>
    public static StorageChoice Read(IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(LatchkeyStorageOptions.Section);
        services.AddOptions<LatchkeyStorageOptions>().Bind(section);
        var options = section.Get<LatchkeyStorageOptions>() ?? new();
        var provider = options.Provider;
        if (options.LookupConnections is < 1)
        {
            throw new StorageConfigurationException(
                $"Latchkey:Storage:LookupConnections is {options.LookupConnections}; it must be at least 1 (or unset: twice the processor count).");
        }

        var connectionString = configuration.GetConnectionString("Latchkey");
        return provider.ToLowerInvariant() switch
        {
            Sqlite => new(Sqlite, connectionString),
            Postgres when connectionString is { Length: > 0 } => new(Postgres, connectionString),
            Postgres => throw new StorageConfigurationException(
                "Latchkey:Storage:Provider 'postgres' needs ConnectionStrings:Latchkey (e.g. Host=...;Database=latchkey;Username=...;Password=...), " +
                "in the environment as ConnectionStrings__Latchkey."),
            _ => throw new StorageConfigurationException($"Latchkey:Storage:Provider '{provider}' is not supported; use 'sqlite' or 'postgres'."),
        };
    }
}

/// <summary>The storage configuration names no provider that can be served; the message says which setting to change.</summary>
internal sealed class StorageConfigurationException(string message) : InvalidOperationException(message);
