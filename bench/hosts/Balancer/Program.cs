using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

// The load balancer of bench/cluster.sh: YARP forwarding every request, round-robin, to the destinations given by
// --destinations http://127.0.0.1:5001,http://127.0.0.1:5002 (or Balancer:Destinations; ASPNETCORE_URLS says where it
// listens). A destination is taken out of the rotation when it stops answering:
//   - actively: GET <destination>/healthz/live every Balancer:ProbeInterval (default 1 s), out after 2 failures in a
//     row (a refused connection fails at once; an answer slower than Balancer:ProbeTimeout, default 5 s, fails too:
//     a tighter timeout takes every instance of a saturated machine out at once);
//   - passively: YARP's transport-failure-rate policy, out for Balancer:ReactivationPeriod (default 5 s) when more
//     than half of its recent requests failed at the transport level (connection refused, reset).
// Note: YARP 2.3 has no retry of its own (dotnet/yarp#56 is open). The middleware below adds one: a GET or HEAD whose
// forwarding failed before any of the response was sent (ForwarderError.Request: refused, reset, or the instance died
// with the request in flight) is forwarded again to another destination, at most Balancer:Retries times (default 2).
// Other methods are not retried: a POST may have taken effect on the instance that died.
var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddCommandLine(args, new Dictionary<string, string> { ["--destinations"] = "Balancer:Destinations" });
builder.Logging.SetMinimumLevel(LogLevel.Warning);

var destinations = (builder.Configuration["Balancer:Destinations"] ?? "")
    .Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
if (destinations.Length == 0)
{
    Console.Error.WriteLine("Give the instances to balance: --destinations http://127.0.0.1:5001,http://127.0.0.1:5002");
    return 2;
}

var retries = builder.Configuration.GetValue("Balancer:Retries", 2);
var probeInterval = builder.Configuration.GetValue("Balancer:ProbeInterval", TimeSpan.FromSeconds(1));
var probeTimeout = builder.Configuration.GetValue("Balancer:ProbeTimeout", TimeSpan.FromSeconds(5));
var reactivation = builder.Configuration.GetValue("Balancer:ReactivationPeriod", TimeSpan.FromSeconds(5));

var cluster = new ClusterConfig
{
    ClusterId = "latchkey",
    LoadBalancingPolicy = "RoundRobin",
    Destinations = destinations.Select((address, i) => (address, i))
        .ToDictionary(d => $"instance{d.i + 1}", d => new DestinationConfig { Address = d.address }),
    HealthCheck = new HealthCheckConfig
    {
        Active = new ActiveHealthCheckConfig
        {
            Enabled = true,
            Interval = probeInterval,
            Timeout = probeTimeout,
            Policy = "ConsecutiveFailures",
            Path = "/healthz/live",
        },
        Passive = new PassiveHealthCheckConfig
        {
            Enabled = true,
            Policy = "TransportFailureRate",
            ReactivationPeriod = reactivation,
        },
        AvailableDestinationsPolicy = "HealthyOrPanic",
    },
    Metadata = new Dictionary<string, string> { ["ConsecutiveFailuresHealthPolicy.Threshold"] = "2" },
    HttpClient = new HttpClientConfig { MaxConnectionsPerServer = 1024 },
};
var route = new RouteConfig { RouteId = "all", ClusterId = "latchkey", Match = new RouteMatch { Path = "{**path}" } };
builder.Services.AddReverseProxy().LoadFromMemory([route], [cluster]);

var app = builder.Build();
app.MapReverseProxy(proxy =>
{
    proxy.Use(async (context, next) =>
    {
        var feature = context.GetReverseProxyFeature();
        var idempotent = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method);
        // Note: load balancing narrows AvailableDestinations to the one it picked; the retry picks again from the rest.
        var candidates = feature.AvailableDestinations;
        var tried = new List<DestinationState>();
        for (var attempt = 0; ; attempt++)
        {
            await next();
            var error = context.Features.Get<IForwarderErrorFeature>();
            if (!idempotent || attempt >= retries || error?.Error != ForwarderError.Request || context.Response.HasStarted
                || feature.ProxiedDestination is not { } failed)
            {
                return;
            }

            tried.Add(failed);
            var rest = candidates.Where(d => !tried.Contains(d)).ToList();
            if (rest.Count == 0)
            {
                return;
            }

            feature.AvailableDestinations = rest;
            context.Features.Set<IForwarderErrorFeature>(null);
            context.Response.Clear();
            context.Response.Headers["X-Balancer-Retried"] = (attempt + 1).ToString();
        }
    });
    proxy.UseSessionAffinity();
    proxy.UseLoadBalancing();
    proxy.UsePassiveHealthChecks();
});

app.Run();
return 0;
