namespace Latchkey.Docs.Tests;

/// <summary>Marks the method compiled from the <c>csharp</c> block that opens on <see cref="Line"/> of <see cref="File"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class DocSnippetAttribute(string file, int line) : Attribute
{
    /// <summary>The Markdown file, relative to the repository's root, with forward slashes.</summary>
    public string File { get; } = file;

    /// <summary>The 1-based line of the block's opening fence.</summary>
    public int Line { get; } = line;
}
