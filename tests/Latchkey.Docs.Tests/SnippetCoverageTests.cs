using System.Reflection;
using Xunit;

namespace Latchkey.Docs.Tests;

/// <summary>
/// The build compiles every <c>csharp</c> block of README.md and docs/*.md (DocSnippets.targets); this checks that the
/// compiled snippets are exactly the blocks the Markdown holds now, so none is skipped by the extraction or left behind.
/// </summary>
public sealed class SnippetCoverageTests
{
    [Fact]
    public void EveryCsharpBlockOfTheReadmeAndDocsIsCompiled()
    {
        var root = RepositoryRoot();
        var files = new[] { Path.Combine(root, "README.md") }
            .Concat(Directory.GetFiles(Path.Combine(root, "docs"), "*.md"));
        var blocks = new List<string>();
        foreach (var file in files)
        {
            var lines = File.ReadAllLines(file);
            var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            for (var i = 0; i < lines.Length; i++)
            {
                if (lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal) && lines[i].Trim() is var fence && fence.Length > 3)
                {
                    if (fence is "```csharp")
                    {
                        blocks.Add($"{relative}:{i + 1}");
                    }

                    // Note: another spelling of C# would escape the compiler; the docs say csharp.
                    Assert.False(fence is "```cs" or "```c#" or "```C#", $"{relative}:{i + 1} marks C# as {fence[3..]}; write csharp.");
                }
            }
        }

        var compiled = typeof(SnippetCoverageTests).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static))
            .Select(m => m.GetCustomAttribute<DocSnippetAttribute>())
            .OfType<DocSnippetAttribute>()
            .Select(a => $"{a.File}:{a.Line}")
            .ToList();

        Assert.NotEmpty(blocks);
        Assert.Equal(blocks.Order(StringComparer.Ordinal), compiled.Order(StringComparer.Ordinal));
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Latchkey.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Latchkey.slnx not found above " + AppContext.BaseDirectory);
    }
}
