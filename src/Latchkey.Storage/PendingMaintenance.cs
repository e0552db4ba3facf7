namespace Latchkey.Storage;

/// <summary>A one-off data task scheduled by a migration, done by <see cref="DatabaseMigrator"/>, then deleted.</summary>
internal sealed class PendingMaintenance
{
    /// <summary>Renormalise every human login under NFKC + full case folding (it was NFKC + lower-casing).</summary>
    public const string RenormalizeLogins = "renormalize-logins-casefold";

    public required string Name { get; set; }
}
