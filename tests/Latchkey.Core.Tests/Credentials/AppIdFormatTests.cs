using Latchkey.Core.Credentials;

namespace Latchkey.Core.Tests.Credentials;

public sealed class AppIdFormatTests
{
    [Theory]
    [InlineData("abcdefgh")]
    [InlineData("ABCDEFGH")]
    [InlineData("01234567")]
    [InlineData("my.app_v2~beta-1")]
    [InlineData("........")]
    public void IsValidAcceptsUnreservedCharacters(string appId)
    {
        Assert.True(AppIdFormat.IsValid(appId));
    }

    [Fact]
    public void IsValidAcceptsEightAndHundredTwentyEightCharacters()
    {
        Assert.True(AppIdFormat.IsValid(new string('a', 8)));
        Assert.True(AppIdFormat.IsValid(new string('a', 128)));
    }

    [Fact]
    public void IsValidRejectsSevenAndHundredTwentyNineCharacters()
    {
        Assert.False(AppIdFormat.IsValid(new string('a', 7)));
        Assert.False(AppIdFormat.IsValid(new string('a', 129)));
        Assert.False(AppIdFormat.IsValid(""));
    }

    [Theory]
    [InlineData("my app id")]
    [InlineData("my/app/id")]
    [InlineData("my+app+id")]
    [InlineData("my%20appid")]
    [InlineData("my:app:id")]
    [InlineData("my@app.id")]
    [InlineData("appid\n12")]
    [InlineData("appidé12")]
    [InlineData("\uff41\uff50\uff50\uff49\uff44\uff11\uff12\uff13")]
    [InlineData("appid🙂12")]
    public void IsValidRejectsCharactersOutsideTheUnreservedSet(string appId)
    {
        Assert.False(AppIdFormat.IsValid(appId));
    }
}
