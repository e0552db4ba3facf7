namespace Latchkey.Storage;

/// <summary>Where Latchkey keeps its data (<c>Latchkey:Storage</c>; the connection string is <c>ConnectionStrings:Latchkey</c>).</summary>
public sealed class LatchkeyStorageOptions
{
    public const string Section = "Latchkey:Storage";

    /// <summary><c>sqlite</c> (the default) or <c>postgres</c>.</summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>Whether the host applies pending migrations at start-up. Defaults to true.</summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>
    /// On PostgreSQL, the most connections this instance's credential lookups (the reads of cache misses) hold at once;
    /// further misses queue and are read together, up to 64 in one statement, by the next connection free. Defaults to
    /// half the instance's processor count, at least one (<see cref="EffectiveLookupConnections"/>).
    /// </summary>
    /// <remarks>
    /// Note: few on purpose. PostgreSQL answers more one-row reads a second from a few busy connections than from many
    /// that each wake for one read (docs/deploy.md: on 2 cores, 13,100 lookups a second from 2 clients, 3,300 from 64),
    /// and the fewer the connections, the more misses each statement carries. In bench/cluster.sh's uniform load on 2
    /// cores (docs/benchmarks.md), three instances with one connection each read 3,600–4,500 misses a second between
    /// them at ~0.12 ms of PostgreSQL's CPU a miss; with four each (twice the cores, the default until then), 3,200–3,600
    /// at ~0.18 ms.
    /// </remarks>
    public int? LookupConnections { get; set; }

    /// <summary><see cref="LookupConnections"/>, or its default.</summary>
    public int EffectiveLookupConnections => LookupConnections ?? Math.Max(1, Environment.ProcessorCount / 2);
}
