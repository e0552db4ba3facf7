using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;

namespace Latchkey.Client;

/// <summary>Adds Latchkey to a client of <c>IHttpClientFactory</c>.</summary>
public static class LatchkeyHttpClientBuilderExtensions
{
    /// <summary>
    /// Signs every request of this client with the app instance's key and app id (or a machine token), and registers
    /// <see cref="LatchkeyClient"/> to log in through it. The key store defaults to a file only the user can read in
    /// <see cref="LatchkeyClientOptions.ConfigDirectory"/>; register an <see cref="ILatchkeyKeyStore"/> to replace it.
    /// Requests are signed only when they go to the client's <c>BaseAddress</c> origin (scheme, host and port), so set
    /// one. One Latchkey client per service collection.
    /// </summary>
    public static IHttpClientBuilder AddLatchkey(this IHttpClientBuilder builder, Action<LatchkeyClientOptions>? configure = null)
    {
        var options = new LatchkeyClientOptions();
        configure?.Invoke(options);
        var services = builder.Services;
        services.TryAddSingleton<ILatchkeyKeyStore>(_ => new FileKeyStore(Path.Combine(options.ResolveConfigDirectory(), "key")));
        services.TryAddSingleton(sp => new LatchkeyCredentials(options, sp.GetRequiredService<ILatchkeyKeyStore>()));
        services.TryAddSingleton(sp => new LatchkeyClient(
            sp.GetRequiredService<IHttpClientFactory>(), sp.GetRequiredService<LatchkeyCredentials>(), builder.Name));
        // Note: a post-configuration runs after every ConfigureHttpClient, so it sees the base address finally set.
        services.AddOptions<HttpClientFactoryOptions>(builder.Name).PostConfigure<IServiceProvider>((factory, sp) =>
            factory.HttpClientActions.Add(client => sp.GetRequiredService<LatchkeyCredentials>().Origin = client.BaseAddress));
        builder.AddHttpMessageHandler(sp => new LatchkeyHandler(sp.GetRequiredService<LatchkeyCredentials>()));
        return builder;
    }
}
