using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Latchkey.AspNetCore.Hosting;
using Latchkey.Contracts;
using Latchkey.Core.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Latchkey.AspNetCore.Endpoints;

/// <summary>
/// <c>POST /v1/leaks</c>: secret scanners report credentials found in public places; live ones are revoked at once.
/// The answer is the same <c>202 {received}</c> whatever the tokens were, so the endpoint is no oracle.
/// </summary>
internal static class LeakEndpoints
{
    public const string ReporterHeader = "X-Latchkey-Reporter";
    public const string SignatureHeader = "X-Latchkey-Signature";

    /// <summary>The largest body taken (1 MB): 1,000 reports of a token, a URL and a source fit many times over.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    public static void Map(RouteGroupBuilder v1) =>
        v1.MapPost("/leaks", ReportAsync).AllowAnonymous().RequireCredentialLimits()
            .Accepts<LeakReport[]>("application/json")
            .WithName("ReportLeaks").WithSummary("Report credentials found in public places; live ones are revoked at once");

    private static async Task<Results<Accepted<LeakReportAccepted>, ProblemHttpResult>> ReportAsync(
        HttpContext context, LeakReportService leaks, IOptions<LatchkeyLeakOptions> options, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync(context.Request, cancellationToken);
        if (body is null)
        {
            return Problems.Status(StatusCodes.Status413PayloadTooLarge, "Report too large", $"A report body may hold at most {MaxBodyBytes} bytes.");
        }

        if (!IsSignedWell(context.Request, body, options.Value))
        {
            return Problems.Status(StatusCodes.Status401Unauthorized, "Signature required",
                $"This reporter's reports must carry a valid {SignatureHeader}.");
        }

        LeakReport?[]? reports;
        try
        {
            reports = JsonSerializer.Deserialize<LeakReport?[]>(body, JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            reports = null;
        }

        if (reports is null)
        {
            return Problems.Status(StatusCodes.Status400BadRequest, "Invalid report",
                "The body must be a JSON array of {\"token\", \"type\", \"url\", \"source\"}.");
        }

        if (reports.Length > LeakReportService.MaxReports)
        {
            return Problems.Status(StatusCodes.Status400BadRequest, "Too many reports",
                $"At most {LeakReportService.MaxReports} reports per request.");
        }

        var revoked = await leaks.ReportAsync(
            reports.Select(r => new LeakedCredential(r?.Token, r?.Type, r?.Url, r?.Source)).ToList(), cancellationToken);
        Log.LeaksReported(loggers.CreateLogger(typeof(LeakEndpoints).FullName!), reports.Length, revoked);
        return TypedResults.Accepted((string?)null, new LeakReportAccepted(reports.Length));
    }

    /// <summary>The body, or null when it is larger than <see cref="MaxBodyBytes"/>.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// A report naming a configured reporter must carry that reporter's signature over the exact body; one naming none
    /// is taken when <see cref="LatchkeyLeakOptions.AcceptUnsigned"/> is on.
    /// </summary>
    private static bool IsSignedWell(HttpRequest request, byte[] body, LatchkeyLeakOptions options)
    {
        var name = request.Headers[ReporterHeader].ToString();
        if (name.Length == 0 || !options.Reporters.TryGetValue(name, out var reporter))
        {
            return name.Length == 0 && options.AcceptUnsigned;
        }

        var signature = request.Headers[SignatureHeader].ToString().Trim();
        if (reporter.HmacSecret is { Length: > 0 } secret)
        {
            var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body);
            var hex = signature.StartsWith("sha256=", StringComparison.OrdinalIgnoreCase) ? signature[7..] : signature;
            return hex.Length == expected.Length * 2 && IsHex(hex)
                && CryptographicOperations.FixedTimeEquals(Convert.FromHexString(hex), expected);
        }

        if (reporter.PublicKeyPem is { Length: > 0 } pem)
        {
            var bytes = new byte[256];
            if (!Convert.TryFromBase64String(signature, bytes, out var written))
            {
                return false;
            }

            using var key = ECDsa.Create();
            key.ImportFromPem(pem);
            return key.VerifyData(body, bytes.AsSpan(0, written), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }

        return false;
    }

    private static bool IsHex(string text) => text.All(Uri.IsHexDigit);
}
