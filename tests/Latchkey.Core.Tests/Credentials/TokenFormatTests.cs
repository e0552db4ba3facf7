using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;
using Latchkey.Core.Credentials;

namespace Latchkey.Core.Tests.Credentials;

public sealed class TokenFormatTests
{
    [Theory]
    [InlineData(nameof(TokenKind.ApiKey))]
    [InlineData(nameof(TokenKind.MachineToken))]
    public void ParsingACreatedTokenGivesBackItsKindPublicPartAndDigest(string kindName)
    {
        var kind = Enum.Parse<TokenKind>(kindName);
        var publicPart = TokenFormat.NewPublicPart();
        var (token, digest) = TokenFormat.Create(kind, publicPart);

        Assert.True(TokenFormat.TryParse(token, out var parsed));
        Assert.Equal(kind, parsed.Kind);
        Assert.Equal(publicPart, parsed.PublicPart);
        Assert.Equal(digest, parsed.SecretDigest);
    }

    [Theory]
    [InlineData(nameof(TokenKind.ApiKey), "lk_key_")]
    [InlineData(nameof(TokenKind.MachineToken), "lk_mach_")]
    public void CreatedTokenIsThePrefixThenThePublicPart(string kindName, string prefix)
    {
        var kind = Enum.Parse<TokenKind>(kindName);
        var publicPart = TokenFormat.NewPublicPart();

        var (token, _) = TokenFormat.Create(kind, publicPart);

        Assert.StartsWith(prefix + publicPart, token, StringComparison.Ordinal);
    }

    [Fact]
    public void DigestIsTheSha256OfTheSecretPartThatFollowsThePublicPart()
    {
        var publicPart = TokenFormat.NewPublicPart();
        var (token, digest) = TokenFormat.Create(TokenKind.ApiKey, publicPart);

        var secretText = token.Substring(TokenFormat.ApiKeyPrefix.Length + TokenFormat.PublicLength,
            Base32.EncodedLength(TokenFormat.SecretBytes));
        var secret = new byte[TokenFormat.SecretBytes];
        Assert.True(Base32.TryDecode(secretText, secret));

        Assert.Equal(SHA256.HashData(secret), digest);
    }

    [Theory]
    [InlineData(nameof(TokenKind.ApiKey))]
    [InlineData(nameof(TokenKind.MachineToken))]
    public void ParseRejectsTokenWithAnyOneCharacterChanged(string kindName)
    {
        var kind = Enum.Parse<TokenKind>(kindName);
        var (token, _) = TokenFormat.Create(kind, TokenFormat.NewPublicPart());

        for (var i = 0; i < token.Length; i++)
        {
            var original = token[i];
            var replacements = new[] { original == 'a' ? 'b' : 'a', original == '7' ? '2' : '7', char.ToUpperInvariant(original) };
            foreach (var replacement in replacements.Where(r => r != original))
            {
                var changed = token.ToCharArray();
                changed[i] = replacement;

                Assert.False(TokenFormat.TryParse(changed, out _), $"accepted '{replacement}' at position {i} instead of '{original}'");
            }
        }
    }

    [Fact]
    public void ParseRejectsTruncatedAndExtendedTokens()
    {
        var (token, _) = TokenFormat.Create(TokenKind.ApiKey, TokenFormat.NewPublicPart());

        Assert.False(TokenFormat.TryParse(token.AsSpan()[..^1], out _));
        Assert.False(TokenFormat.TryParse(token.AsSpan()[..^7], out _));
        Assert.False(TokenFormat.TryParse(token + "a", out _));
        Assert.False(TokenFormat.TryParse(token + token, out _));
        Assert.False(TokenFormat.TryParse(token + " ", out _));
        Assert.False(TokenFormat.TryParse(" " + token, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("lk_key_")]
    [InlineData("lk_mach_")]
    [InlineData("garbage")]
    [InlineData("Bearer lk_key_abc")]
    [InlineData("lk_key_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public void ParseRejectsEmptyAndGarbageTokens(string token)
    {
        Assert.False(TokenFormat.TryParse(token, out var parsed));
        Assert.Equal(default, parsed);
    }

    [Theory]
    [InlineData("lk_tok_")]
    [InlineData("LK_KEY_")]
    [InlineData("lk-key-")]
    [InlineData("")]
    public void ParseRejectsATokenWhosePrefixIsReplaced(string prefix)
    {
        var (token, _) = TokenFormat.Create(TokenKind.ApiKey, TokenFormat.NewPublicPart());

        Assert.False(TokenFormat.TryParse(prefix + token[TokenFormat.ApiKeyPrefix.Length..], out _));
    }

    [Fact]
    public void ParseRejectsAnApiKeyRelabelledAsAMachineToken()
    {
        var (token, _) = TokenFormat.Create(TokenKind.ApiKey, TokenFormat.NewPublicPart());

        Assert.False(TokenFormat.TryParse(TokenFormat.MachineTokenPrefix + token[TokenFormat.ApiKeyPrefix.Length..], out _));
    }

    [Fact]
    public void ParseRejectsATokenWithAValidChecksumButAnUpperCasePublicPart()
    {
        // Note: the checksum is recomputed here, so only the base32 check stands between this token and a lookup.
        var (token, _) = TokenFormat.Create(TokenKind.ApiKey, TokenFormat.NewPublicPart());
        var checksumLength = Base32.EncodedLength(4);
        var prefixLength = TokenFormat.ApiKeyPrefix.Length;
        var body = token[..prefixLength] + token.Substring(prefixLength, TokenFormat.PublicLength).ToUpperInvariant()
            + token[(prefixLength + TokenFormat.PublicLength)..^checksumLength];
        var forged = body + Base32.Encode(Crc32.Hash(Encoding.ASCII.GetBytes(body)));

        Assert.False(TokenFormat.TryParse(forged, out _));
    }

    [Fact]
    public void TwoTokensCreatedForTheSamePublicPartDiffer()
    {
        var publicPart = TokenFormat.NewPublicPart();

        var (first, firstDigest) = TokenFormat.Create(TokenKind.MachineToken, publicPart);
        var (second, secondDigest) = TokenFormat.Create(TokenKind.MachineToken, publicPart);

        Assert.NotEqual(first, second);
        Assert.NotEqual(firstDigest, secondDigest);
    }

    [Fact]
    public void NewPublicPartIs26CharactersOfBase32ForSixteenBytes()
    {
        var publicPart = TokenFormat.NewPublicPart();

        Assert.Equal(26, publicPart.Length);
        Assert.Equal(26, TokenFormat.PublicLength);
        Assert.True(Base32.TryDecode(publicPart, new byte[TokenFormat.PublicBytes]));
    }

    [Fact]
    public void TwoNewPublicPartsDiffer()
    {
        Assert.NotEqual(TokenFormat.NewPublicPart(), TokenFormat.NewPublicPart());
    }
}
