using System.Security.Cryptography;
using Latchkey.Core.Credentials;

namespace Latchkey.Core.Tests.Credentials;

public sealed class Base32Tests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(16)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    public void DecodingAnEncodedStringGivesBackTheSameBytes(int length)
    {
        var bytes = RandomNumberGenerator.GetBytes(length);

        var text = Base32.Encode(bytes);
        var decoded = new byte[length];

        Assert.Equal(Base32.EncodedLength(length), text.Length);
        Assert.True(Base32.TryDecode(text, decoded));
        Assert.Equal(bytes, decoded);
    }

    [Fact]
    public void EncodedLengthIsEightBitsPerByteRoundedUpToWholeFiveBitCharacters()
    {
        for (var length = 0; length < 64; length++)
        {
            Assert.Equal((int)Math.Ceiling(length * 8 / 5.0), Base32.EncodedLength(length));
        }
    }

    [Theory]
    [InlineData("f", "my")]
    [InlineData("fo", "mzxq")]
    [InlineData("foo", "mzxw6")]
    [InlineData("foob", "mzxw6yq")]
    [InlineData("fooba", "mzxw6ytb")]
    [InlineData("foobar", "mzxw6ytboi")]
    public void EncodeMatchesTheRfc4648TestVectorsInLowerCaseWithoutPadding(string input, string expected)
    {
        Assert.Equal(expected, Base32.Encode(System.Text.Encoding.ASCII.GetBytes(input)));
    }

    [Fact]
    public void EncodeUsesOnlyLowerCaseLettersAndDigitsTwoToSeven()
    {
        var text = Base32.Encode(RandomNumberGenerator.GetBytes(200));

        Assert.All(text, c => Assert.True(c is >= 'a' and <= 'z' or >= '2' and <= '7', $"unexpected '{c}'"));
    }

    [Theory]
    [InlineData('0')]
    [InlineData('1')]
    [InlineData('8')]
    [InlineData('9')]
    [InlineData('=')]
    [InlineData('-')]
    [InlineData(' ')]
    [InlineData('é')]
    public void TryDecodeRejectsCharactersOutsideTheAlphabet(char outsider)
    {
        var text = Base32.Encode(RandomNumberGenerator.GetBytes(10)).ToCharArray();
        text[3] = outsider;

        Assert.False(Base32.TryDecode(text, new byte[10]));
    }

    [Fact]
    public void TryDecodeRejectsUpperCase()
    {
        var bytes = RandomNumberGenerator.GetBytes(10);
        var text = Base32.Encode(bytes);
        Assert.True(Base32.TryDecode(text, new byte[10]));

        Assert.False(Base32.TryDecode(text.ToUpperInvariant(), new byte[10]));
    }

    [Fact]
    public void TryDecodeRejectsTextOfTheWrongLengthForTheDestination()
    {
        var text = Base32.Encode(RandomNumberGenerator.GetBytes(10));

        Assert.False(Base32.TryDecode(text.AsSpan()[..^1], new byte[10]));
        Assert.False(Base32.TryDecode(text + "a", new byte[10]));
        Assert.False(Base32.TryDecode(text, new byte[9]));
        Assert.False(Base32.TryDecode(text, new byte[11]));
        Assert.False(Base32.TryDecode("", new byte[1]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(16)]
    [InlineData(32)]
    public void TryDecodeRejectsNonZeroTrailingBits(int length)
    {
        // Note: whenever 8 * length is not a multiple of 5, the last character carries unused low bits.
        var text = Base32.Encode(new byte[length]).ToCharArray();
        Assert.Equal('a', text[^1]);
        text[^1] = 'b';

        Assert.False(Base32.TryDecode(text, new byte[length]));
    }
}
