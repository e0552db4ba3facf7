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
            // Note: a credential that once worked also says why it ended (error_description, the problem's reason).
            Assert.StartsWith("error=\"invalid_token\"", challenge.Parameter);
        }
        else
        {
            Assert.Null(challenge.Parameter);
        }
    }

    /// <summary>
    /// A refused credential's 401 with <paramref name="reason"/> (null: none at all) in the problem body and the
    /// challenge's error_description.
    /// </summary>
    public static async Task HasReasonAsync(HttpResponseMessage response, string? reason)
    {
        await IsProblemAsync(response, HttpStatusCode.Unauthorized);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        var body = await LatchkeyTestHost.ReadJsonAsync(response);
        if (reason is null)
        {
            Assert.Equal("error=\"invalid_token\"", challenge.Parameter);
            Assert.False(body.TryGetProperty("reason", out _), "a credential that never worked is told no reason");
        }
        else
        {
            Assert.Equal($"error=\"invalid_token\", error_description=\"{reason}\"", challenge.Parameter);
            Assert.Equal(reason, body.GetProperty("reason").GetString());
        }
    }
}
