namespace Latchkey.AspNetCore;

/// <summary>
/// How an instance leaves a load balancer (<c>Latchkey:Shutdown</c>). On SIGTERM <c>/healthz/ready</c> answers 503 at
/// once; the instance keeps serving for <see cref="DrainDelay"/> so that the balancer (a Kubernetes Service, whose
/// endpoints are updated asynchronously) stops sending it new requests, then stops listening and finishes the requests
/// in flight within the host's <c>ShutdownTimeout</c> (<c>ASPNETCORE_SHUTDOWNTIMEOUTSECONDS</c>, 30 s by default).
/// </summary>
public sealed class LatchkeyShutdownOptions
{
    public const string Section = "Latchkey:Shutdown";

    /// <summary>
    /// How long the instance goes on serving, not ready, after SIGTERM. Defaults to zero (stop listening at once, as
    /// ASP.NET Core does); behind a balancer, a few seconds (5 s is usual on Kubernetes). Counts against ShutdownTimeout.
    /// </summary>
    public TimeSpan DrainDelay { get; set; } = TimeSpan.Zero;
}
