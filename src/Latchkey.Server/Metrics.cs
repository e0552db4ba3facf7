using System.Net;
using Latchkey.AspNetCore;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Latchkey.Server;

/// <summary>
/// The server's metrics (<c>Latchkey:Metrics</c>): Latchkey's meter and ASP.NET Core's own, exported through
/// OpenTelemetry in Prometheus' text format at <c>GET /metrics</c>, answered only to the local machine and the
/// networks configured. Read at start-up.
/// </summary>
public sealed class LatchkeyMetricsOptions
{
    public const string Section = "Latchkey:Metrics";

    /// <summary>
    /// Serve <c>GET /metrics</c>. Defaults to false (nothing is collected then); the server's appsettings.json turns it
    /// on.
    /// </summary>
    public bool Prometheus { get; set; }

    /// <summary>
    /// Networks besides the local machine (loopback, always allowed) whose requests <c>/metrics</c> answers, in CIDR
    /// notation (<c>10.0.0.0/8</c>, <c>fd00::/8</c>). Others get 404. Empty by default.
    /// </summary>
    public List<string> AllowedNetworks { get; set; } = [];

    /// <summary>
    /// Addresses of a listener of the metrics' own (<c>http://127.0.0.1:9464</c>), added to the server's. When set,
    /// <c>/metrics</c> is answered on their ports only, and nothing else is: a reverse proxy that forwards the world to
    /// the API's port cannot reach it. Empty by default: <c>/metrics</c> is on the API's port, to loopback and
    /// <see cref="AllowedNetworks"/>, and never to a request that a proxy forwarded (one that carries
    /// <c>X-Forwarded-For</c>, <c>Forwarded</c> or <c>X-Real-IP</c> while no proxy is trusted).
    /// </summary>
    public List<string> Urls { get; set; } = [];
}

internal static class Metrics
{
    public const string Path = "/metrics";

    /// <summary>Npgsql's meter: its connection pool and commands (documented by Npgsql).</summary>
    public const string NpgsqlMeter = "Npgsql";

    /// <summary>ASP.NET Core's built-in meters exported beside Latchkey's (their instruments are documented by ASP.NET Core).</summary>
    private static readonly string[] FrameworkMeters =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.RateLimiting",
        "Microsoft.AspNetCore.Diagnostics",
        "System.Runtime",
    ];

    public static void AddLatchkeyMetrics(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(LatchkeyMetricsOptions.Section);
        builder.Services.AddOptions<LatchkeyMetricsOptions>().Bind(section)
            .Validate(o => o.AllowedNetworks.All(n => IPNetwork.TryParse(n, out _)),
                "Latchkey:Metrics:AllowedNetworks must list networks in CIDR notation (e.g. 10.0.0.0/8).")
            .Validate(o => o.Urls.All(u => PortOf(u) is > 0),
                "Latchkey:Metrics:Urls must list absolute http(s) addresses with a port of their own (e.g. http://127.0.0.1:9464).")
            .ValidateOnStart();

        var metricsUrls = (section.Get<LatchkeyMetricsOptions>() ?? new()).Urls;
        if (metricsUrls.Count > 0 && metricsUrls.All(u => PortOf(u) is > 0))
        {
            Listen(builder, metricsUrls);
        }

        // Note: switched off, no exporter is registered, so nothing listens to the instruments and they cost nothing.
        if (!(section.Get<LatchkeyMetricsOptions>() ?? new()).Prometheus)
        {
            return;
        }

        // Note: on PostgreSQL, Npgsql's own meter (its connection pool: connections in use and idle, pending
        // requests, command durations) is exported too; SQLite has no pool to show.
        var onPostgres = string.Equals(builder.Configuration["Latchkey:Storage:Provider"], "postgres", StringComparison.OrdinalIgnoreCase);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("latchkey"))
            .WithMetrics(metrics => metrics
                .AddMeter(LatchkeyDefaults.MeterName)
                .AddMeter(FrameworkMeters)
                .AddMeter(onPostgres ? [NpgsqlMeter] : [])
                .AddPrometheusExporter());
    }

    /// <summary>
    /// Serves <c>GET /metrics</c> when it is on. After <c>UseLatchkey()</c>: the client's address is then the one the
    /// trusted proxies forwarded, so a request the proxy relays from outside is not mistaken for a local one.
    /// </summary>
    public static void UseLatchkeyMetrics(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<LatchkeyMetricsOptions>>().Value;
        if (!options.Prometheus)
        {
            return;
        }

        var networks = options.AllowedNetworks.Select(n => IPNetwork.Parse(n)).ToArray();
        var ports = options.Urls.Select(u => PortOf(u)!.Value).ToHashSet();
        var proxiesTrusted = app.Services.GetRequiredService<IOptions<LatchkeyNetworkOptions>>().Value.TrustedProxies.Count > 0;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(Metrics).FullName!);
        var warned = 0;

        // Note: a request from elsewhere falls through to the rest of the pipeline and gets its 404, so the endpoint
        // does not even show that it exists.
        app.UseOpenTelemetryPrometheusScrapingEndpoint(context =>
        {
            if (context.Request.Path != Path || !HttpMethods.IsGet(context.Request.Method)
                || ports.Count > 0 && !ports.Contains(context.Connection.LocalPort))
            {
                return false;
            }

            // Note: with no proxy trusted, the forwarding headers are still there (nobody consumed them), and their
            // presence says a proxy relayed the request: from loopback, that proxy may be forwarding anyone. With its
            // own port, metrics are out of the proxy's reach and the connection's address means what it says.
            if (ports.Count == 0 && !proxiesTrusted && IsForwarded(context.Request))
            {
                if (Interlocked.Exchange(ref warned, 1) == 0)
                {
                    Log.MetricsRequestForwarded(logger, context.Connection.RemoteIpAddress);
                }

                return false;
            }

            return IsAllowed(context.Connection.RemoteIpAddress, networks);
        });

        if (ports.Count > 0)
        {
            // Note: the metrics' listener answers metrics alone, so opening its port opens nothing else.
            app.Use((context, next) =>
            {
                if (ports.Contains(context.Connection.LocalPort))
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
                }

                return next(context);
            });
        }
    }

    private static bool IsForwarded(HttpRequest request) =>
        request.Headers.ContainsKey("X-Forwarded-For") || request.Headers.ContainsKey("Forwarded")
        || request.Headers.ContainsKey("X-Real-IP");

    /// <summary>The port of an http(s) listening address (<c>http://127.0.0.1:9464</c>, <c>http://*:9464</c>), or null.</summary>
    private static int? PortOf(string url)
    {
        try
        {
            // Note: port 0 (any free port) is refused: the port is how a metrics request is told from an API one.
            var address = BindingAddress.Parse(url);
            return address.Scheme is "http" or "https" && address.Port > 0 && !address.IsUnixPipe ? address.Port : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// Adds <paramref name="urls"/> to the addresses the server listens on, wherever those come from: Kestrel's
    /// endpoints in configuration (then these become endpoints too), or <c>urls</c> / <c>http_ports</c>
    /// (<c>ASPNETCORE_URLS</c>, <c>--urls</c>; Kestrel's default otherwise).
    /// </summary>
    private static void Listen(WebApplicationBuilder builder, List<string> urls)
    {
        // Note: Kestrel lets configured endpoints override the urls setting, so the metrics' addresses join whichever
        // list is in force rather than replace the API's.
        if (builder.Configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
        {
            builder.Configuration.AddInMemoryCollection(urls.Select((url, i) =>
                KeyValuePair.Create<string, string?>($"Kestrel:Endpoints:LatchkeyMetrics{i}:Url", url)));
            return;
        }

        var api = builder.Configuration[WebHostDefaults.ServerUrlsKey] is { Length: > 0 } configured
            ? configured.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : builder.Configuration[WebHostDefaults.HttpPortsKey] is { Length: > 0 } httpPorts
                ? httpPorts.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"http://*:{p}")
                    .Concat((builder.Configuration[WebHostDefaults.HttpsPortsKey] ?? "")
                        .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"https://*:{p}"))
                : ["http://localhost:5000"];
        builder.WebHost.UseUrls([.. api, .. urls]);
    }

    /// <summary>
    /// The local machine and the configured networks. No address at all means no IP connection: the in-process test
    /// server or a Unix socket, both on this machine.
    /// </summary>
    private static bool IsAllowed(IPAddress? client, IPNetwork[] networks)
    {
        if (client is null)
        {
            return true;
        }

        if (client.IsIPv4MappedToIPv6)
        {
            client = client.MapToIPv4();
        }

        if (IPAddress.IsLoopback(client))
        {
            return true;
        }

        foreach (var network in networks)
        {
            if (network.Contains(client))
            {
                return true;
            }
        }

        return false;
    }
}
