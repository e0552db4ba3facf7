using System.Text.RegularExpressions;

namespace Latchkey.Server.Tests;

/// <summary>The README and docs/*.md link only to files that exist inside the repository, which is all a reader has.</summary>
public sealed partial class DocumentationLinkTests
{
    [Fact]
    public void EveryRelativeLinkInTheReadmeAndDocsPointsAtAFileInsideTheRepository()
    {
        var root = Path.GetFullPath(ServerProcess.RepositoryRoot);
        var documents = new[] { Path.Combine(root, "README.md") }
            .Concat(Directory.GetFiles(Path.Combine(root, "docs"), "*.md")).ToList();
        var broken = new List<string>();
        var checkedLinks = 0;

        foreach (var document in documents)
        {
            var text = FencedBlock().Replace(File.ReadAllText(document), "");
            var targets = MarkdownLink().Matches(text).Select(m => m.Groups["target"].Value)
                .Concat(ReferenceLink().Matches(text).Select(m => m.Groups["target"].Value))
                .Concat(HtmlLink().Matches(text).Select(m => m.Groups["target"].Value))
                // Note: a path written as code that climbs out (`../shared/DESIGN.md`) points outside as surely as a link.
                .Concat(CodeSpanPath().Matches(text).Select(m => m.Groups["target"].Value));
            foreach (var raw in targets)
            {
                var target = raw.Trim('<', '>');
                if (target.Length == 0 || target.StartsWith('#') || Scheme().IsMatch(target))
                {
                    continue;
                }

                checkedLinks++;
                var path = Uri.UnescapeDataString(target.Split('#', '?')[0]);
                var resolved = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(document)!, path));
                var inside = resolved == root || resolved.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
                if (!inside || !(File.Exists(resolved) || Directory.Exists(resolved)))
                {
                    broken.Add($"{Path.GetRelativePath(root, document)}: {raw} ({(inside ? "missing" : "outside the repository")})");
                }
            }
        }

        Assert.True(checkedLinks > 20, $"only {checkedLinks} links found: the patterns no longer match the docs");
        Assert.True(broken.Count == 0, string.Join(Environment.NewLine, broken));
    }

    [GeneratedRegex(@"^\s*```.*?^\s*```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex FencedBlock();

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)(\s+""[^""]*"")?\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"^\s*\[[^\]]+\]:\s*(?<target>\S+)", RegexOptions.Multiline)]
    private static partial Regex ReferenceLink();

    [GeneratedRegex(@"\b(?:href|src)=""(?<target>[^""]+)""")]
    private static partial Regex HtmlLink();

    [GeneratedRegex(@"`(?<target>\.\./[^`\s]+)`")]
    private static partial Regex CodeSpanPath();

    [GeneratedRegex(@"^[a-zA-Z][a-zA-Z0-9+.-]*:")]
    private static partial Regex Scheme();
}
