using System.Net;

namespace Latchkey.AspNetCore.Tests;

internal static class ProblemAssert
{
    /// <summary>The response is RFC 9457 problem+json with the given status, and its body repeats that status.</summary>
    public static async Task IsProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await LatchkeyTestHost.ReadJsonAsync(response);
        Assert.Equal((int)status, body.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("title").GetString()));
    }

    /// <summary>401 per RFC 6750: problem+json and a Bearer challenge, with error="invalid_token" when a credential was sent.</summary>
    public static async Task IsUnauthorizedAsync(HttpResponseMessage response, bool credentialPresented = true)
    {
        await IsProblemAsync(response, HttpStatusCode.Unauthorized);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        if (credentialPresented)
        {
            Assert.Equal("error=\"invalid_token\"", challenge.Parameter);
        }
        else
        {
            Assert.Null(challenge.Parameter);
        }
    }
}
