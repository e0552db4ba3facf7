using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Latchkey.Tests;

namespace Latchkey.Server.Tests;

/// <summary><c>GET /metrics</c> on the real host: Prometheus' text format, and who may read it.</summary>
[Collection(nameof(MetricsTests))]
public sealed partial class MetricsTests : IAsyncLifetime
{
    private const string Password = "correct horse battery staple";

    private readonly ServerFactory _root = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _root.DisposeAsync();

    [Fact]
    public async Task LoginsAreCountedByOutcomeInThePrometheusEndpoint()
    {
        var client = _root.CreateClient();
        var login = $"metrics-{Guid.NewGuid():N}@example.com";
        await client.PostAsJsonAsync("/v1/signup", new { tenant = "Acme", login, password = Password });

        var succeeded = await client.PostAsJsonAsync("/v1/login", new { login, password = Password, appId = "metrics-app-1" });
        var refused = await client.PostAsJsonAsync("/v1/login", new { login, password = "wrong horse battery staple", appId = "metrics-app-2" });
        var invalid = await client.PostAsJsonAsync("/v1/login", new { login, password = Password, appId = "short" });
        var metrics = await client.GetAsync("/metrics");
        var text = await metrics.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Created, succeeded.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Equal("text/plain", metrics.Content.Headers.ContentType?.MediaType);
        Assert.Equal(1, Sample(text, "latchkey_logins_total", "outcome", "success"));
        Assert.Equal(1, Sample(text, "latchkey_logins_total", "outcome", "refused"));
        Assert.Equal(1, Sample(text, "latchkey_logins_total", "outcome", "invalid"));
        Assert.Contains("# TYPE latchkey_logins_total counter", text);
    }

    [Fact]
    public async Task AuthenticationsAndCacheLookupsAreCounted()
    {
        // Note: no cookie jar, so that only the requests below present a credential.
        var client = _root.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        var login = $"metrics-{Guid.NewGuid():N}@example.com";
        await client.PostAsJsonAsync("/v1/signup", new { tenant = "Acme", login, password = Password });
        var session = await (await client.PostAsJsonAsync("/v1/login", new { login, password = Password, appId = "metrics-app-1" }))
            .Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        var key = session.GetProperty("apiKey").GetString()!;

        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 50; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/me");
            request.Headers.Authorization = new("Bearer", key);
            request.Headers.Add("X-App-Id", "metrics-app-1");
            answers.Add((await client.SendAsync(request)).StatusCode);
        }

        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/v1/me");
        wrong.Headers.Authorization = new("Bearer", "lk_key_garbage");
        wrong.Headers.Add("X-App-Id", "metrics-app-1");
        answers.Add((await client.SendAsync(wrong)).StatusCode);
        var text = await client.GetStringAsync("/metrics");

        Assert.Equal(50, answers.Count(a => a == HttpStatusCode.OK));
        Assert.Equal(HttpStatusCode.Unauthorized, answers[^1]);
        Assert.Equal(50, Sample(text, "latchkey_authentications_total", "outcome", "success"));
        Assert.Equal(1, Sample(text, "latchkey_authentications_total", "outcome", "malformed"));

        // Note: the first request reads the database; once the change feed is current (it starts with the host), the
        // rest are answered from the cache.
        Assert.Contains("# TYPE latchkey_credential_cache_hits_total counter", text);
        Assert.Matches(@"latchkey_authentication_duration_seconds_count\{[^}]*cache=""hit""", text);
    }

    [Fact]
    public async Task HashingAndAspNetCoreInstrumentsAreExportedBesideLatchkeys()
    {
        var client = _root.CreateClient();
        var login = $"metrics-{Guid.NewGuid():N}@example.com";
        await client.PostAsJsonAsync("/v1/signup", new { tenant = "Acme", login, password = Password });

        var text = await client.GetStringAsync("/metrics");

        Assert.Contains("# TYPE latchkey_hashing_wait_seconds histogram", text);
        Assert.Contains("# TYPE latchkey_hashing_duration_seconds histogram", text);
        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", text);
        Assert.Matches(@"http_server_request_duration_seconds_count\{[^}]*http_route=""/v1/signup""", text);
    }

    [Fact]
    public async Task TheMetricsEndpointIsNotFoundWhenTurnedOff()
    {
        using var factory = _root.WithWebHostBuilder(b => b.UseSetting("Latchkey:Metrics:Prometheus", "false"));
        var client = factory.CreateClient();

        var metrics = await client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
    }

    [Fact]
    public async Task TheMetricsEndpointIsNotFoundFromAnotherNetwork()
    {
        using var factory = FromClient(_root, "203.0.113.7");
        var client = factory.CreateClient();

        var metrics = await client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
        Assert.DoesNotContain("latchkey_", await metrics.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TheMetricsEndpointAnswersTheLocalMachineAndTheConfiguredNetworks()
    {
        using var local = FromClient(_root, "127.0.0.1");
        using var configured = FromClient(_root, "203.0.113.7", b => b.UseSetting("Latchkey:Metrics:AllowedNetworks:0", "203.0.113.0/24"));

        var fromLocal = await local.CreateClient().GetAsync("/metrics");
        var fromConfigured = await configured.CreateClient().GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, fromLocal.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fromConfigured.StatusCode);
    }

    [Fact]
    public async Task TheMetricsEndpointIsNotFoundForALoopbackRequestAProxyForwardedAndThatIsWarnedOnce()
    {
        using var local = FromClient(_root, "127.0.0.1", b => b.ConfigureServices(s => s.AddFakeLogging()));
        var client = local.CreateClient();

        var forwarded = new List<HttpStatusCode>();
        foreach (var (header, value) in new[] { ("X-Forwarded-For", "203.0.113.9"), ("Forwarded", "for=203.0.113.9"), ("X-Real-IP", "203.0.113.9"), ("X-Forwarded-For", "198.51.100.1") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            request.Headers.Add(header, value);
            forwarded.Add((await client.SendAsync(request)).StatusCode);
        }

        var direct = await client.GetAsync("/metrics");

        Assert.All(forwarded, status => Assert.Equal(HttpStatusCode.NotFound, status));
        Assert.Equal(HttpStatusCode.OK, direct.StatusCode);
        var warning = Assert.Single(local.Services.GetFakeLogCollector().GetSnapshot(), r => r.Id.Id == 1401);
        Assert.Equal(LogLevel.Warning, warning.Level);
    }

    [Fact]
    public async Task TheMetricsEndpointIsServedOnlyOnItsOwnListenerWhenOneIsConfigured()
    {
        var directory = Directory.CreateTempSubdirectory("latchkey-metrics-listener-").FullName;
        var metricsPort = ServerProcess.FreePort();
        try
        {
            await using var server = await ServerProcess.StartAsync($"Data Source={Path.Combine(directory, "latchkey.db")}", new Dictionary<string, string>
            {
                ["Latchkey__Storage__Provider"] = "sqlite",
                ["Latchkey__Metrics__Prometheus"] = "true",
                ["Latchkey__Metrics__Urls__0"] = $"http://127.0.0.1:{metricsPort}",
            });
            using var metrics = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };

            var onTheApiPort = await server.Client.GetAsync("/metrics");
            var onItsOwnPort = await metrics.GetAsync("/metrics");
            var apiOnTheMetricsPort = await metrics.GetAsync("/healthz");
            var pageOnTheMetricsPort = await metrics.GetAsync("/login");
            var apiOnTheApiPort = await server.Client.GetAsync("/healthz");

            Assert.Equal(HttpStatusCode.NotFound, onTheApiPort.StatusCode);
            Assert.Equal(HttpStatusCode.OK, onItsOwnPort.StatusCode);
            Assert.Contains("# TYPE", await onItsOwnPort.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.NotFound, apiOnTheMetricsPort.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, pageOnTheMetricsPort.StatusCode);
            Assert.Equal(HttpStatusCode.OK, apiOnTheApiPort.StatusCode);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The host with every request arriving from <paramref name="address"/> (TestServer has no address of its own).</summary>
    private static WebApplicationFactory<Program> FromClient(
        WebApplicationFactory<Program> root, string address, Action<IWebHostBuilder>? configure = null) =>
        root.WithWebHostBuilder(b =>
        {
            b.ConfigureServices(s => s.AddSingleton<IStartupFilter>(new ClientAddress(IPAddress.Parse(address))));
            configure?.Invoke(b);
        });

    /// <summary>The value of the sample of <paramref name="metric"/> whose label <paramref name="label"/> is <paramref name="value"/>.</summary>
    [Fact]
    public async Task TheCacheTheChangeFeedAndMachineTokensExpiringWithinAWeekAreGauges()
    {
        var client = _root.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        var login = $"metrics-{Guid.NewGuid():N}@example.com";
        await client.PostAsJsonAsync("/v1/signup", new { tenant = "Acme", login, password = Password });
        var session = await (await client.PostAsJsonAsync("/v1/login", new { login, password = Password, appId = "metrics-app-1" }))
            .Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        foreach (var expiresIn in new[] { 2 * 86400, 30 * 86400 })
        {
            using var create = new HttpRequestMessage(HttpMethod.Post, "/v1/machine-users") { Content = JsonContent.Create(new { name = $"bot-{expiresIn}", expiresIn }) };
            create.Headers.Authorization = new("Bearer", session.GetProperty("apiKey").GetString());
            create.Headers.Add("X-App-Id", "metrics-app-1");
            Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(create)).StatusCode);
        }

        var text = await client.GetStringAsync("/metrics");

        Assert.Equal(1, Sample(text, "latchkey_machine_tokens_expiring", "otel_scope_name", "Latchkey"));
        Assert.True(Sample(text, "latchkey_credential_cache_entries", "otel_scope_name", "Latchkey") >= 0);
        Assert.Contains(Sample(text, "latchkey_change_feed_listening", "otel_scope_name", "Latchkey"), new[] { 0.0, 1.0 });
        Assert.True(Sample(text, "latchkey_change_feed_lease_remaining_seconds", "otel_scope_name", "Latchkey") >= 0);
        Assert.Contains("# TYPE latchkey_machine_tokens_expiring gauge", text);
    }

    [Fact]
    public async Task OnPostgresTheConnectionPoolOfNpgsqlIsExported()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        try
        {
            await using var server = new ServerFactory().WithWebHostBuilder(builder => builder
                .UseSetting("Latchkey:Storage:Provider", "postgres")
                .UseSetting("ConnectionStrings:Latchkey", database));
            var client = server.CreateClient();
            Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/v1/signup",
                new { tenant = "Acme", login = "pool@example.com", password = Password })).StatusCode);

            var text = await client.GetStringAsync("/metrics");

            Assert.Contains("otel_scope_name=\"Npgsql\"", text);
            Assert.Contains("db_client_connection", text);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Npgsql.NpgsqlConnection.ClearAllPools();
            await TestPostgres.DropDatabaseAsync(database);
        }
    }

    private static double Sample(string exposition, string metric, string label, string value)
    {
        foreach (Match match in SampleLine().Matches(exposition))
        {
            if (match.Groups["name"].Value == metric && match.Groups["labels"].Value.Contains($"{label}=\"{value}\""))
            {
                return double.Parse(match.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new Xunit.Sdk.XunitException($"No sample {metric}{{{label}=\"{value}\"}} in:\n{exposition}");
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex SampleLine();

    private sealed class ClientAddress(IPAddress address) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                context.Connection.RemoteIpAddress = address;
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}

/// <summary>
/// Note: OpenTelemetry listens to a meter by its name in the whole process, whichever host created it, so these tests
/// run alone: a login by a test host running beside them would be counted here too.
/// </summary>
[CollectionDefinition(nameof(MetricsTests), DisableParallelization = true)]
public sealed class MetricsTestsCollection;
