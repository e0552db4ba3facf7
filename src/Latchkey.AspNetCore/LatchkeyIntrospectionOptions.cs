namespace Latchkey.AspNetCore;

/// <summary>Introspection (<c>POST /v1/introspect</c>, RFC 7662), bound from <c>Latchkey:Introspection</c>.</summary>
public sealed class LatchkeyIntrospectionOptions
{
    public const string Section = "Latchkey:Introspection";

    /// <summary>
    /// Introspection requests one caller (machine user) may make per second, with a burst of as many: a resource server
    /// that introspects every request of its own clients needs a high allowance, a leaked introspection token must not
    /// become a cheap oracle for guessing. Beyond it the caller gets 429 with <c>Retry-After</c>. Defaults to 1000.
    /// </summary>
    public int RequestsPerSecond { get; set; } = 1000;
}
