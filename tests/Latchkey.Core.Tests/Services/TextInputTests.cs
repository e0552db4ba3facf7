using Latchkey.Core.Services;

namespace Latchkey.Core.Tests.Services;

public sealed class TextInputTests
{
    [Fact]
    public void CleanTrimsSurroundingWhitespace()
    {
        Assert.Equal("Acme Corp", TextInput.Clean("  Acme Corp \t", 100));
    }

    [Fact]
    public void CleanKeepsInnerWhitespaceCaseAndUnicode()
    {
        Assert.Equal("Café  Zürich 🙂", TextInput.Clean("Café  Zürich 🙂", 100));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t\n")]
    public void CleanRejectsMissingText(string? text)
    {
        Assert.Null(TextInput.Clean(text, 100));
    }

    [Fact]
    public void CleanAcceptsTheMaximumLengthAfterTrimmingAndRejectsOneMore()
    {
        Assert.Equal(new string('a', 10), TextInput.Clean("  " + new string('a', 10) + "  ", 10));
        Assert.Null(TextInput.Clean(new string('a', 11), 10));
    }

    [Theory]
    [InlineData("Acme\u0000Corp")]
    [InlineData("Acme\nCorp")]
    [InlineData("Acme\u001b[31mCorp")]
    [InlineData("Acme\u007fCorp")]
    [InlineData("Acme\u0085Corp")]
    public void CleanRejectsControlCharacters(string text)
    {
        Assert.Null(TextInput.Clean(text, 100));
    }

    [Fact]
    public void CleanRejectsLoneSurrogates()
    {
        // Note: attribute arguments are stored as UTF-8, which cannot hold a lone surrogate, so these stay in code.
        string[] texts = ["Acme\ud800Corp", "Acme\udc00Corp", "Acme Corp\ud83d", "\ude42Acme Corp", "Acme\ude42\ud83dCorp"];

        Assert.All(texts, text => Assert.Null(TextInput.Clean(text, 100)));
    }
}
