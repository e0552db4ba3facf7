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
    /// twice the instance's processor count (<see cref="EffectiveLookupConnections"/>).
    /// </summary>
    /// <remarks>
    /// Note: few on purpose. PostgreSQL answers more one-row reads a second from a few busy connections than from many
    /// that each wake for one read (docs/deploy.md: on 2 cores, 13,100 lookups a second from 2 clients, 3,300 from 64).
    /// </remarks>
    public int? LookupConnections { get; set; }

    /// <summary><see cref="LookupConnections"/>, or its default.</summary>
    public int EffectiveLookupConnections => LookupConnections ?? 2 * Environment.ProcessorCount;
}
