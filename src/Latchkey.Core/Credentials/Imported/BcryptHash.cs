using System.Text.RegularExpressions;

namespace Latchkey.Core.Credentials.Imported;

/// <summary>A bcrypt hash: <c>$2a$</c>, <c>$2b$</c> or <c>$2y$</c>, two digits of cost, 22 characters of salt and 31 of hash.</summary>
internal static partial class BcryptHash
{
    public static ImportedHashCheck TryParse(string hash, out int cost)
    {
        cost = 0;
        var match = Pattern().Match(hash);
        if (!match.Success)
        {
            return ImportedHashCheck.Malformed;
        }

        cost = int.Parse(match.Groups[1].ValueSpan);
        return cost > ImportedHashLimits.MaxBcryptCost ? ImportedHashCheck.AboveLimits : ImportedHashCheck.Valid;
    }

    [GeneratedRegex(@"^\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$")]
    private static partial Regex Pattern();
}
