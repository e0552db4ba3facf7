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
}

internal static class Metrics
{
    public const string Path = "/metrics";

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
            .ValidateOnStart();

        // Note: switched off, no exporter is registered, so nothing listens to the instruments and they cost nothing.
        if (!(section.Get<LatchkeyMetricsOptions>() ?? new()).Prometheus)
        {
            return;
        }

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("latchkey"))
            .WithMetrics(metrics => metrics
                .AddMeter(LatchkeyDefaults.MeterName)
                .AddMeter(FrameworkMeters)
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

        // Note: a request from elsewhere falls through to the rest of the pipeline and gets its 404, so the endpoint
        // does not even show that it exists.
        app.UseOpenTelemetryPrometheusScrapingEndpoint(context =>
            context.Request.Path == Path && HttpMethods.IsGet(context.Request.Method)
            && IsAllowed(context.Connection.RemoteIpAddress, networks));
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
