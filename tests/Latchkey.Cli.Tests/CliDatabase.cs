using System.Text.Json;
using Latchkey.Core.Services;
using Latchkey.Tests;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Cli.Tests;

/// <summary>What one run of the tool printed and returned.</summary>
internal sealed record CliResult(int ExitCode, string Out, string Error)
{
    public JsonElement Json => JsonDocument.Parse(Out).RootElement;
}

/// <summary>
/// A fresh database for the tool to work on: a temporary SQLite file, or a database of its own on the tests'
/// PostgreSQL cluster (<c>LATCHKEY_TEST_POSTGRES</c>, started by ./test.sh). The tool runs in-process through
/// <see cref="CliApp.RunAsync"/> with the configuration in environment variables, as an operator's shell would give it.
/// </summary>
internal sealed class CliDatabase : IAsyncDisposable
{
    public const string Operator = "cli:tester@testhost";

    private readonly string _directory;

    private CliDatabase(string provider, string connectionString, string directory)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _directory = directory;
    }

    public string Provider { get; }

    public string ConnectionString { get; }

    public string Directory => _directory;

    /// <summary>A database the tool has never seen: no schema yet.</summary>
    public static async Task<CliDatabase> CreateEmptyAsync(string provider)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("latchkey-cli-").FullName;
        var connectionString = provider == "postgres"
            ? await TestPostgres.CreateDatabaseAsync()
            : $"Data Source={Path.Combine(directory, "latchkey.db")}";
        return new CliDatabase(provider, connectionString, directory);
    }

    public static async Task<CliDatabase> CreateAsync(string provider)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("latchkey-cli-").FullName;
        var connectionString = provider == "postgres"
            ? await TestPostgres.CreateDatabaseAsync()
            : $"Data Source={Path.Combine(directory, "latchkey.db")}";
        var database = new CliDatabase(provider, connectionString, directory);
        var migrated = await database.RunAsync("migrate");
        Assert.Equal(0, migrated.ExitCode);
        return database;
    }

    /// <summary>The environment an operator would set: provider, connection string, and cheap Argon2 for the tests.</summary>
    public Dictionary<string, string?> Environment() => new()
    {
        ["Latchkey__Storage__Provider"] = Provider,
        ["ConnectionStrings__Latchkey"] = ConnectionString,
        // Note: cheap Argon2 keeps the suite fast; the defaults are checked in Latchkey.Core.Tests.
        ["Latchkey__Passwords__Argon2Iterations"] = "1",
        ["Latchkey__Passwords__Argon2MemoryKiB"] = "8",
        // Note: no server runs beside these tests, so the tool's wait after a credential change (one lease, for
        // servers to drop cached copies) is kept short.
        ["Latchkey__CredentialCache__Lease"] = "00:00:00.2",
        // Note: a lockout reached in three failures with a negligible delay, so a test can lock a login quickly.
        ["Latchkey__Lockout__FreeAttempts"] = "2",
        ["Latchkey__Lockout__MaxFailures"] = "3",
        ["Latchkey__Lockout__BaseDelay"] = "00:00:00.001",
        ["Latchkey__Lockout__MaxDelay"] = "00:00:00.001",
        // Note: the tool only queues mail (the server sends it); a pickup directory makes e-mail configured.
        ["Latchkey__PublicBaseUrl"] = "https://auth.example.com",
        ["Latchkey__Email__PickupDirectory"] = Path.Combine(_directory, "mail"),
    };

    public Task<CliResult> RunAsync(params string[] args) => RunWithInputAsync("", args);

    public Task<CliResult> RunWithInputAsync(string stdin, params string[] args) => RunWithAsync(stdin, null, args);

    public Task<CliResult> RunWithAsync(string stdin, IDictionary<string, string?>? settings, params string[] args) =>
        RunWithAsync(stdin, settings, new StringWriter(), CancellationToken.None, args);

    public Task<CliResult> RunWithAsync(
        string stdin, IDictionary<string, string?>? settings, StringWriter error, CancellationToken cancellationToken, params string[] args) =>
        RunWithAsync(stdin, settings, new StringWriter(), error, cancellationToken, args);

    public async Task<CliResult> RunWithAsync(string stdin, IDictionary<string, string?>? settings, StringWriter output, StringWriter error,
        CancellationToken cancellationToken, params string[] args)
    {
        var environment = Environment();
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            // Note: null unsets the variable, as an operator's shell would not have it.
            if (value is null)
            {
                environment.Remove(key);
            }
            else
            {
                environment[key] = value;
            }
        }

        var console = new CliConsole
        {
            In = new StringReader(stdin),
            Out = output,
            Error = error,
            Environment = environment,
            WorkingDirectory = _directory,
            Operator = Operator,
        };
        var code = await CliApp.RunAsync(args, console, cancellationToken);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>Latchkey's services on the same database and configuration, to log in as a user would.</summary>
    public CliServices Services()
    {
        var console = new CliConsole { In = TextReader.Null, Out = TextWriter.Null, Error = TextWriter.Null, Environment = Environment(), WorkingDirectory = _directory };
        return CliServices.Build(CliServices.ReadConfiguration(console, null, null), console);
    }

    public async Task<LoginResult> LoginAsync(string login, string password, string appId = "tests-app-1")
    {
        await using var services = Services();
        return await services.UnscopedAsync(sp => sp.GetRequiredService<AccountService>().LoginAsync(login, password, appId, "tests", CancellationToken.None));
    }

    public async ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        if (Provider == "postgres")
        {
            await TestPostgres.DropDatabaseAsync(ConnectionString);
        }

        System.IO.Directory.Delete(_directory, recursive: true);
    }
}
