using System.Net;
using Latchkey.Tests;

namespace Latchkey.Server.Tests;

/// <summary>
/// A new user's first run: the built server on a database that does not exist yet, from the project's folder (its
/// appsettings.json, pages and static files), with a home directory that has never seen ASP.NET Core. Nothing it logs
/// on the way up, on the first pages and the first sign-up, or on the way down, may be a warning or worse.
/// </summary>
public sealed class FirstStartTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("latchkey-first-start-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task AFreshSqliteFileStartsWithoutAWarning()
    {
        var settings = Settings("sqlite");

        await AssertQuietFirstRunAsync($"Data Source={Path.Combine(_directory, "latchkey.db")}", settings);
    }

    [Fact]
    public async Task AFreshPostgresDatabaseStartsWithoutAWarning()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        try
        {
            await AssertQuietFirstRunAsync(database, Settings("postgres"));
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task MigrateOnlyOnAFreshSqliteFileLogsNoWarning()
    {
        var (exitCode, output) = await ServerProcess.MigrateOnlyWithOutputAsync(
            $"Data Source={Path.Combine(_directory, "migrated.db")}", Settings("sqlite"), ContentRoot);

        Assert.Equal(0, exitCode);
        AssertNoWarning(output.Split(Environment.NewLine));
    }

    [Fact]
    public async Task MigrateOnlyOnAFreshPostgresDatabaseLogsNoWarning()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        try
        {
            var (exitCode, output) = await ServerProcess.MigrateOnlyWithOutputAsync(database, Settings("postgres"), ContentRoot);

            Assert.Equal(0, exitCode);
            AssertNoWarning(output.Split(Environment.NewLine));
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(database);
        }
    }

    private static string[] ContentRoot => ["--contentRoot", Path.Combine(ServerProcess.RepositoryRoot, "src", "Latchkey.Server")];

    private Dictionary<string, string> Settings(string provider)
    {
        var home = Directory.CreateDirectory(Path.Combine(_directory, "home-" + provider)).FullName;
        return new Dictionary<string, string>
        {
            // Note: what `dotnet run` gives a new user (launchSettings.json): Development, where e-mail goes to the
            // pickup directory and links name http://localhost:5080 without any set-up.
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Latchkey__Storage__Provider"] = provider,
            ["HOME"] = home,
            ["XDG_CONFIG_HOME"] = Path.Combine(home, ".config"),
            ["XDG_DATA_HOME"] = Path.Combine(home, ".local", "share"),
        };
    }

    private static async Task AssertQuietFirstRunAsync(string connectionString, Dictionary<string, string> settings)
    {
        var server = await ServerProcess.StartAsync(connectionString, settings, ContentRoot);
        await using (server)
        {
            Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/login")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/css/latchkey.css")).StatusCode);
            var signup = await server.SendAsync(HttpMethod.Post, "/v1/signup",
                new { tenant = "Acme", login = "alice@example.com", password = "correct horse battery staple" });
            Assert.Equal(HttpStatusCode.Created, signup.StatusCode);
            await server.StopAsync();

            AssertNoWarning(server.Output);
        }
    }

    private static void AssertNoWarning(IEnumerable<string> output)
    {
        var lines = output.ToList();
        var warnings = lines.Where(l => l.StartsWith("warn:", StringComparison.Ordinal)
            || l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal)).ToList();
        Assert.True(warnings.Count == 0, string.Join(Environment.NewLine, lines));
    }
}
