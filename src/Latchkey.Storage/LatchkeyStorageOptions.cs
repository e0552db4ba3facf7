namespace Latchkey.Storage;

/// <summary>Where Latchkey keeps its data (<c>Latchkey:Storage</c>; the connection string is <c>ConnectionStrings:Latchkey</c>).</summary>
public sealed class LatchkeyStorageOptions
{
    public const string Section = "Latchkey:Storage";

    /// <summary><c>sqlite</c> (the default) or <c>postgres</c>.</summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>Whether the host applies pending migrations at start-up. Defaults to true.</summary>
    public bool MigrateOnStartup { get; set; } = true;
}
