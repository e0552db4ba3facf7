using Latchkey.AspNetCore.RateLimiting;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Latchkey.AspNetCore.Authorization;
using Latchkey.AspNetCore.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Latchkey.Tests;
using Latchkey.Storage;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Latchkey.AspNetCore.Tests;

/// <summary>
/// An ASP.NET Core app that embeds Latchkey the way an integrator would (AddLatchkey + MapLatchkeyApi, and two
/// endpoints of its own protected by scope), over TestServer, on a real database: a SQLite file of its own, or with
/// <c>LATCHKEY_TEST_PROVIDER=postgres</c> a fresh database on the tests' PostgreSQL cluster, dropped on dispose. Only the
/// clock and the log sink are fakes.
/// </summary>
internal sealed class LatchkeyTestHost : IAsyncDisposable
{
    /// <summary>The variable that picks the provider of the suite: <c>sqlite</c> (the default) or <c>postgres</c>.</summary>
    public const string ProviderVariable = "LATCHKEY_TEST_PROVIDER";

    /// <summary>The provider the hosts of this run use unless a test gives a SQLite connection string of its own.</summary>
    public static string Provider { get; } = Environment.GetEnvironmentVariable(ProviderVariable) is { Length: > 0 } provider
        ? provider.ToLowerInvariant()
        : "sqlite";

    public const string Password = "correct horse battery staple";

    /// <summary>The client address every request comes from (TestServer has none of its own).</summary>
    public const string ClientIp = "203.0.113.7";

    private readonly string _directory;

    // Note: the database this host created and drops on dispose; null for SQLite or a database shared with another host.
    private readonly string? _ownedPostgres;

    private LatchkeyTestHost(WebApplication app, string directory, string storageProvider, string connectionString, string? ownedPostgres)
    {
        App = app;
        _directory = directory;
        StorageProvider = storageProvider;
        ConnectionString = connectionString;
        _ownedPostgres = ownedPostgres;
        Client = app.GetTestClient();
    }

    /// <summary>The host's provider, <c>sqlite</c> or <c>postgres</c>.</summary>
    public string StorageProvider { get; }

    /// <summary>The host's connection string (for a second host on the same database, see <c>sameDatabaseAs</c>).</summary>
    public string ConnectionString { get; }

    public static DateTimeOffset Start { get; } = new(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public FakeTimeProvider Time => (FakeTimeProvider)App.Services.GetRequiredService<TimeProvider>();

    public FakeLogCollector Logs => App.Services.GetFakeLogCollector();

    /// <summary>
    /// Whether <paramref name="record"/> says a database command ran: EF Core's command log, or the request path's own
    /// credential lookup (which reads without EF Core and logs its statement at Debug).
    /// </summary>
    public static bool IsDatabaseCommand(FakeLogRecord record) =>
        record.Category == "Microsoft.EntityFrameworkCore.Database.Command" || IsCredentialLookup(record);

    /// <summary>Whether <paramref name="record"/> is an executed command: EF Core's, or a credential lookup.</summary>
    public static bool IsExecutedCommand(FakeLogRecord record) =>
        (record.Category == "Microsoft.EntityFrameworkCore.Database.Command" && record.Message.Contains("Executed DbCommand"))
        || IsCredentialLookup(record);

    private static bool IsCredentialLookup(FakeLogRecord record) =>
        record.Category is { } category && category.EndsWith("CredentialLookup", StringComparison.Ordinal) && record.Message.StartsWith("Executed credential lookup", StringComparison.Ordinal);

    /// <summary>The database reads the request path's credential lookup has made so far.</summary>
    public long CredentialReads => App.Services.GetRequiredService<Latchkey.Core.Stores.ICredentialLookup>().Reads;

    public static async Task<LatchkeyTestHost> StartAsync(
        IDictionary<string, string?>? settings = null, string? connectionString = null, Action<IServiceCollection>? services = null,
        string environment = "Production", LatchkeyTestHost? sameDatabaseAs = null, bool databaseClock = false, string? provider = null)
    {
        var directory = Directory.CreateTempSubdirectory("latchkey-test-").FullName;

        // Note: a test that gives a connection string is about the SQLite file itself; a host may share another's
        // database (two servers on one database); every other host gets a fresh database of the run's provider.
        // Note: tests of what instances share ask for PostgreSQL whatever the run's provider, as the server's
        // multi-instance tests do: several instances on one database is a PostgreSQL deployment.
        var postgres = connectionString is null && sameDatabaseAs is null && (provider ?? Provider) == "postgres"
            ? await TestPostgres.CreateMigratedDatabaseAsync(MigrateTemplateAsync)
            : null;
        provider = sameDatabaseAs?.StorageProvider ?? (postgres is null ? "sqlite" : "postgres");
        var connection = sameDatabaseAs?.ConnectionString ?? postgres ?? connectionString;
        if (connection is null)
        {
            connection = $"Data Source={Path.Combine(directory, "latchkey.db")}";
            await CopySqliteTemplateAsync(Path.Combine(directory, "latchkey.db"));
        }

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.WebHost.UseTestServer();
        var config = new Dictionary<string, string?>
        {
            ["Latchkey:Storage:Provider"] = provider,
            ["ConnectionStrings:Latchkey"] = connection,
            // Note: cheap Argon2 keeps the suite fast; the defaults are checked in Latchkey.Core.Tests.
            ["Latchkey:Passwords:Argon2Iterations"] = "1",
            ["Latchkey:Passwords:Argon2MemoryKiB"] = "8",
            // Note: every test request comes from one address; tests of the per-address limits set their own.
            ["Latchkey:Network:CredentialRequestsPerMinute"] = "100000",
            ["Latchkey:Network:FailureBurst"] = "100000",
            ["Latchkey:RateLimits:Policies:reports:Permits"] = "2",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(config);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddFakeLogging();
        builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider(Start));
        builder.Services.AddLatchkey(builder.Configuration);
        services?.Invoke(builder.Services);
        if (provider == "postgres" && !databaseClock)
        {
            // Note: on PostgreSQL the per-login throttle reads the server's clock, which the fake clock cannot move;
            // tests that move time past a delay keep the process clock unless they ask for the server's.
            builder.Services.AddSingleton<Latchkey.Core.Stores.IDatabaseClock, Latchkey.Core.Stores.ProcessClock>();
        }

        WebApplication app;
        try
        {
            app = builder.Build();
            // Note: a fresh database is a copy of the template, which this same call migrated once; running it again
            // found nothing to apply but still cost every host up to half a second of CPU (EF Core compares the model
            // with the migrations' snapshot). A database a test brings or shares is migrated as an application does.
            if (connectionString is not null || sameDatabaseAs is not null)
            {
                await app.Services.MigrateLatchkeyDatabaseAsync();
            }
        }
        catch
        {
            await DropAsync(postgres);
            throw;
        }

        // Note: stands in for the network: TestServer gives no client address; raw requests may set their own.
        app.Use((context, next) =>
        {
            context.Connection.RemoteIpAddress ??= IPAddress.Parse(ClientIp);
            return next(context);
        });
        app.UseLatchkey();
        app.MapLatchkeyApi();
        app.MapGet("/integrator/x", () => "x").RequireScope("x");
        app.MapGet("/integrator/y", () => "y").RequireAuthorization(policy => policy.RequireScope("y"));
        app.MapGet("/integrator/step-up", () => "fresh").RequireRecentAuthentication();
        // Note: an API protected by Latchkey with per-credential limits: one endpoint with its own, two sharing a policy.
        app.MapGet("/integrator/limited", () => "limited").RequireAuthorization().RequireRateLimit(3, TimeSpan.FromMinutes(1));
        app.MapGet("/integrator/reports/daily", () => "daily").RequireAuthorization().RequireRateLimit("reports");
        app.MapGet("/integrator/reports/weekly", () => "weekly").RequireAuthorization().RequireRateLimit("reports");
        app.MapGet("/integrator/public-limited", () => "public").AllowAnonymous().RequireRateLimit(2, TimeSpan.FromMinutes(1));
        app.MapGet("/integrator/misconfigured", () => "open").RequireAuthorization().RequireRateLimit("not-configured");
        app.MapPost("/integrator/form", async (HttpRequest request) => (await request.ReadFormAsync()).Count.ToString());
        try
        {
            await app.StartAsync();
        }
        catch
        {
            // Note: a host that refuses to start (invalid options) still leaves no files behind.
            await app.DisposeAsync();
            SqliteConnection.ClearAllPools();
            await DropAsync(postgres);
            Directory.Delete(directory, recursive: true);
            throw;
        }

        return new LatchkeyTestHost(app, directory, provider, connection, postgres);
    }

    /// <summary>
    /// Everything the database holds, as bytes to search: the SQLite files (database, WAL), or every row of every table
    /// as PostgreSQL prints it. Stop the app first, so that nothing is still on its way.
    /// </summary>
    public async Task<byte[]> ReadStoredBytesAsync()
    {
        SqliteConnection.ClearAllPools();
        if (StorageProvider == "sqlite")
        {
            var file = new SqliteConnectionStringBuilder(ConnectionString).DataSource;
            return Directory.GetFiles(Path.GetDirectoryName(Path.GetFullPath(file))!, Path.GetFileName(file) + "*")
                .SelectMany(File.ReadAllBytes).ToArray();
        }

        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        var text = new StringBuilder();
        foreach (var table in new[] { "tenants", "users", "api_user_key", "login_throttle", "audit_log", "email_outbox", "email_tokens", "password_reset_requests", "invitations", "data_protection_keys", "user_totp", "recovery_codes", "mfa_challenges", "passkeys", "webauthn_ceremonies" })
        {
            await using var command = new NpgsqlCommand($"SELECT t::text FROM {table} t", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                text.AppendLine(reader.GetString(0));
            }
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>
    /// Waits (polling, not sleeping a fixed time) until <paramref name="resetRequests"/> password-reset requests are left
    /// (0: the queue is drained) and the outbox holds no
    /// message due by the host's clock: everything queued so far has been delivered or is waiting for a retry.
    /// </summary>
    public async Task WaitForMailIdleAsync(int resetRequests = 0)
    {
        var resets = App.Services.GetRequiredService<Latchkey.Core.Email.PasswordResetSignal>();
        var sender = App.Services.GetRequiredService<Latchkey.Core.Email.EmailSenderSignal>();
        for (var i = 0; i < 3000; i++)
        {
            if (resets.RoundsUnderWay == 0 && await CountResetRequestsAsync() == resetRequests
                && sender.RoundsUnderWay == 0 && await CountOutboxAsync(dueOnly: true) == 0)
            {
                return;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException("the outbox never drained");
    }

    /// <summary>Password-reset requests not yet handled by a worker.</summary>
    public async Task<int> CountResetRequestsAsync()
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>().PasswordResetRequests.CountAsync();
    }

    /// <summary>Messages in the outbox still to be sent (all, or only those due now by the host's clock).</summary>
    public async Task<int> CountOutboxAsync(bool dueOnly = false)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>();
        var now = Time.GetUtcNow();
        return await db.EmailOutbox.CountAsync(m => m.State == Latchkey.Core.Model.OutboxState.Pending && (!dueOnly || m.DueAt <= now));
    }

    /// <summary>Runs <paramref name="sql"/> on the host's database, past every store (to break it on purpose).</summary>
    public async Task ExecuteSqlAsync(string sql)
    {
        await using var scope = App.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>().Database.ExecuteSqlRawAsync(sql);
    }

    /// <summary>The exception the run's provider throws when its storage goes away mid-request.</summary>
    public static Exception StorageOutage() => Provider == "postgres"
        ? new NpgsqlException("Exception while reading from stream", new IOException("Connection reset by peer"))
        : new SqliteException("disk I/O error", 10);

    /// <summary>
    /// Migrates the run's PostgreSQL template through the storage's own registration, as the host would migrate its
    /// database; each host gets a copy of it, up to date.
    /// </summary>
    private static async Task MigrateTemplateAsync(string connectionString)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        Latchkey.Storage.Postgres.LatchkeyPostgresServiceCollectionExtensions.AddLatchkeyPostgres(services, connectionString);
        await using var provider = services.BuildServiceProvider();
        await provider.MigrateLatchkeyDatabaseAsync();
    }

    private static readonly SemaphoreSlim SqliteTemplateGate = new(1, 1);
    private static string? _sqliteTemplate;

    /// <summary>
    /// Puts a copy of this process's migrated SQLite template at <paramref name="file"/>.
    /// Note: like the PostgreSQL template (<see cref="TestPostgres.CreateMigratedDatabaseAsync"/>), it spares each host
    /// running every migration (and their fsyncs) again; the host still migrates and finds the copy up to date. A test
    /// that gives its own connection string gets no copy: it is about the file itself, migrations included.
    /// </summary>
    private static async Task CopySqliteTemplateAsync(string file)
    {
        await SqliteTemplateGate.WaitAsync();
        try
        {
            if (_sqliteTemplate is null)
            {
                var templateDirectory = Directory.CreateTempSubdirectory("latchkey-template-").FullName;
                var template = Path.Combine(templateDirectory, "latchkey.db");
                var services = new ServiceCollection();
                services.AddLogging();
                // Note: no pooling, so the last connection closes with the migration: SQLite then checkpoints the
                // write-ahead log into the file and removes it, and the one file is the whole database.
                Latchkey.Storage.Sqlite.LatchkeySqliteServiceCollectionExtensions.AddLatchkeySqlite(services, $"Data Source={template};Pooling=False");
                await using (var provider = services.BuildServiceProvider())
                {
                    await provider.MigrateLatchkeyDatabaseAsync();
                }

                if (File.Exists(template + "-wal"))
                {
                    throw new InvalidOperationException($"The SQLite template {template} still has a write-ahead log.");
                }

                AppDomain.CurrentDomain.ProcessExit += (_, _) =>
                {
                    try
                    {
                        Directory.Delete(templateDirectory, recursive: true);
                    }
                    catch (IOException)
                    {
                        // Note: a temporary directory; nothing depends on its removal.
                    }
                };
                _sqliteTemplate = template;
            }
        }
        finally
        {
            SqliteTemplateGate.Release();
        }

        File.Copy(_sqliteTemplate, file);
    }

    private static async Task DropAsync(string? postgres)
    {
        if (postgres is not null)
        {
            await TestPostgres.DropDatabaseAsync(postgres);
        }
    }

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null, Credential? credential = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = body as HttpContent ?? JsonContent.Create(body);
        }

        credential?.Apply(request);
        return Client.SendAsync(request);
    }

    public async Task<(Guid TenantId, Guid UserId)> SignupAsync(string login, string tenant = "Acme")
    {
        var response = await SendAsync(HttpMethod.Post, "/v1/signup", new { tenant, login, password = Password });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        var body = await ReadJsonAsync(response);
        return (body.GetProperty("tenantId").GetGuid(), body.GetProperty("userId").GetGuid());
    }

    public async Task<Credential> LoginAsync(string login, string appId, string password = Password)
    {
        var response = await SendAsync(HttpMethod.Post, "/v1/login", new { login, password, appId, appName = "tests" });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        var body = await ReadJsonAsync(response);
        return new Credential(body.GetProperty("apiKey").GetString()!, appId, body.GetProperty("sessionId").GetGuid());
    }

    /// <summary>A fresh human user with one logged-in app instance.</summary>
    public async Task<Credential> SignupAndLoginAsync(string login = "alice@example.com", string appId = "app-instance-1")
    {
        await SignupAsync(login);
        return await LoginAsync(login, appId);
    }

    public async Task<(Guid UserId, Credential Token)> CreateMachineUserAsync(Credential admin, string name = "ci", params string[] scopes)
    {
        var response = await SendAsync(HttpMethod.Post, "/v1/machine-users", new { name, scopes }, admin);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        var body = await ReadJsonAsync(response);
        return (body.GetProperty("userId").GetGuid(), new Credential(body.GetProperty("token").GetString()!, null, null));
    }

    /// <summary>Creates a human user in the admin's tenant and returns its id.</summary>
    public async Task<Guid> CreateUserAsync(Credential admin, string login, string role = "member")
    {
        // Note: the person may act at once (mustChangePassword: false); the tests of the forced change opt in.
        var response = await SendAsync(HttpMethod.Post, "/v1/users", new { login, password = Password, roles = new[] { role }, mustChangePassword = false }, admin);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await ReadJsonAsync(response)).GetProperty("userId").GetGuid();
    }

    /// <summary>A tenant of its own: its owner's id and logged-in key.</summary>
    public async Task<(Guid TenantId, Guid OwnerId, Credential Owner)> CreateTenantAsync(string ownerLogin, string name = "Acme")
    {
        var (tenantId, ownerId) = await SignupAsync(ownerLogin, name);
        return (tenantId, ownerId, await LoginAsync(ownerLogin, "owner-app-0001"));
    }

    public async Task<JsonElement> GetJsonAsync(string path, Credential credential)
    {
        var response = await SendAsync(HttpMethod.Get, path, credential: credential);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ReadJsonAsync(response);
    }

    /// <summary>The newest audit entries of the credential's tenant (owner or admin).</summary>
    public async Task<List<JsonElement>> AuditAsync(Credential admin, int limit = 200) =>
        (await GetJsonAsync($"/v1/audit?limit={limit}", admin)).GetProperty("entries").EnumerateArray().ToList();

    /// <summary>Waits until the background writer has recorded last use of the session (as the user would see it).</summary>
    public async Task WaitForLastUseAsync(Credential credential, DateTimeOffset atLeast)
    {
        for (var i = 0; i < 1000; i++)
        {
            var sessions = await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/v1/sessions", credential: credential));
            var current = sessions.EnumerateArray().Single(s => s.GetProperty("current").GetBoolean());
            if (current.GetProperty("lastUsedAt").GetDateTimeOffset() >= atLeast)
            {
                return;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException("last use was never recorded");
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        SqliteConnection.ClearAllPools();
        await DropAsync(_ownedPostgres);
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>What a client presents: a key with its app id, or a machine token (no app id).</summary>
internal sealed record Credential(string Token, string? AppId, Guid? SessionId)
{
    public void Apply(HttpRequestMessage request)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        if (AppId is not null)
        {
            request.Headers.Add("X-App-Id", AppId);
        }
    }

    public Credential WithAppId(string? appId) => this with { AppId = appId };
}
