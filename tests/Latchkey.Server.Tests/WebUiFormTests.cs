using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests;

/// <summary>ASVS 6.2.6, 6.2.7 and 7.4.4 in the web UI's own files: how passwords are typed and how one signs out.</summary>
public sealed partial class WebUiFormTests : IClassFixture<ServerFactory>
{
    private readonly string _contentRoot;

    public WebUiFormTests(ServerFactory factory) =>
        _contentRoot = factory.Services.GetRequiredService<IWebHostEnvironment>().ContentRootPath;

    [Fact]
    public void EveryPasswordFieldIsMaskedAndTellsPasswordManagersWhatItHolds()
    {
        var fields = Inputs().Where(i => i.Tag.Contains("type=\"password\"") || PasswordName().IsMatch(i.Tag)).ToList();

        Assert.Equal(["accept-invitation", "account", "login", "password", "reset-password", "signup", "users"], fields.Select(f => f.Page).Distinct().Order());
        Assert.All(fields, f =>
        {
            Assert.Contains("type=\"password\"", f.Tag);
            Assert.Matches("autocomplete=\"(current|new)-password\"", f.Tag);
            // Note: a length cap in the page would cut a long pasted or generated password short without a word.
            Assert.DoesNotContain("maxlength", f.Tag);
        });
    }

    [Fact]
    public void NoPageOrScriptStandsInTheWayOfPastingOrAPasswordManager()
    {
        var scripts = Directory.GetFiles(Path.Combine(_contentRoot, "wwwroot"), "*.js", SearchOption.AllDirectories).Select(File.ReadAllText);
        var pages = Directory.GetFiles(Path.Combine(_contentRoot, "Pages"), "*.html").Select(File.ReadAllText);

        Assert.All(scripts.Concat(pages), text =>
        {
            Assert.DoesNotContain("paste", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("oncopy", text, StringComparison.OrdinalIgnoreCase);
        });
        Assert.DoesNotContain(Inputs(), i => i.Tag.Contains("type=\"password\"") && i.Tag.Contains("autocomplete=\"off\""));
    }

    [Fact]
    public void EverySignedInPageShowsASignOutButtonThatEndsTheSession()
    {
        var menu = File.ReadAllText(Path.Combine(_contentRoot, "Pages", "_menu.html"));
        var script = File.ReadAllText(Path.Combine(_contentRoot, "wwwroot", "js", "app.js"));

        Assert.Matches("<button type=\"button\" id=\"logout\"[^>]*>Sign out</button>", menu);
        Assert.Matches(@"getElementById\('logout'\)[\s\S]{0,120}api\('DELETE', '/v1/sessions/current'\)", script);
    }

    private IEnumerable<(string Page, string Tag)> Inputs() =>
        Directory.GetFiles(Path.Combine(_contentRoot, "Pages"), "*.html")
            .SelectMany(path => InputTag().Matches(File.ReadAllText(path)).Select(m => (Path.GetFileNameWithoutExtension(path), m.Value)));

    [GeneratedRegex("<input\\b[^>]*>")]
    private static partial Regex InputTag();

    [GeneratedRegex("name=\"(password|current|new|confirm)\"")]
    private static partial Regex PasswordName();
}
