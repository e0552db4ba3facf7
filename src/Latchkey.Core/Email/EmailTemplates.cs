using System.Net;
using System.Text;
using Microsoft.Extensions.Options;

namespace Latchkey.Core.Email;

/// <summary>The templates' names: the keys of operator overrides (<c>{name}.subject.txt</c>, <c>{name}.txt</c>, <c>{name}.html</c>).</summary>
internal static class EmailTemplateNames
{
    public const string VerifyEmail = "verify-email";
    public const string EmailChanged = "email-changed";
    public const string PasswordReset = "password-reset";
    public const string PasswordChanged = "password-changed";
    public const string NewDevice = "new-device";
    public const string AccountLocked = "account-locked";
    public const string Invitation = "invitation";
    public const string CredentialLeaked = "credential-leaked";
}

/// <summary>
/// The messages' texts: a subject, a plain-text part and an HTML part each, with <c>{{placeholders}}</c> (values
/// HTML-encoded in the HTML part). Built in, or read once from <see cref="LatchkeyEmailOptions.TemplateDirectory"/> per
/// file present. No images, no tracking pixels, no remote content.
/// </summary>
internal sealed class EmailTemplates(IOptions<LatchkeyEmailOptions> options)
{
    private const string IfNotYou =
        "If this was not you, sign in, check your devices and change your password: {{devicesLink}}";

    private static readonly Dictionary<string, (string Subject, string Text)> BuiltIn = new(StringComparer.Ordinal)
    {
        [EmailTemplateNames.VerifyEmail] = ("Confirm your e-mail address for {{product}}",
            "Hello,\n\nplease confirm that this address belongs to your {{product}} account ({{tenant}}) by opening this link within 24 hours:\n\n{{link}}\n\nIf you did not ask for this, ignore this message; nothing changes."),
        [EmailTemplateNames.EmailChanged] = ("Your {{product}} e-mail address is being changed",
            "Hello,\n\nsomeone signed in to your {{product}} account ({{tenant}}) asked to change its e-mail address from this one to {{newEmail}}. The change takes effect when the new address is confirmed.\n\n" + IfNotYou),
        [EmailTemplateNames.PasswordReset] = ("Reset your {{product}} password",
            "Hello,\n\nsomeone asked to reset the password of your {{product}} account ({{tenant}}). To choose a new password, open this link within 30 minutes:\n\n{{link}}\n\nIf you did not ask for this, ignore this message; your password stays as it is."),
        [EmailTemplateNames.PasswordChanged] = ("Your {{product}} password was changed",
            "Hello,\n\nthe password of your {{product}} account ({{tenant}}) was changed at {{time}} ({{how}}). Every session signed in with the old password has ended.\n\n" + IfNotYou),
        [EmailTemplateNames.NewDevice] = ("New sign-in to {{product}}",
            "Hello,\n\nyour {{product}} account ({{tenant}}) was signed in to from a new app instance: {{appName}}, at {{time}}, from {{address}}.\n\n" + IfNotYou),
        [EmailTemplateNames.AccountLocked] = ("Your {{product}} account is locked",
            "Hello,\n\nafter too many failed sign-in attempts, your {{product}} account ({{tenant}}) was locked at {{time}}. An administrator of your organisation can unlock it.\n\n" + IfNotYou),
        [EmailTemplateNames.CredentialLeaked] = ("A {{product}} credential of {{tenant}} was reported leaked",
            "Hello,\n\na {{credential}} of your organisation {{tenant}} on {{product}} was reported as found in a public place, and was revoked at {{time}}.\n\nWhere it was found: {{url}}\nReported by: {{source}}\n\nWhoever used it must sign in again (or, for a machine user, be given a new token by an administrator). Remove the credential from where it was found, and check the audit log for its use.\n\nThis message never contains the credential itself."),
        [EmailTemplateNames.Invitation] = ("You are invited to {{tenant}} on {{product}}",
            "Hello,\n\nyou are invited to join {{tenant}} on {{product}} as {{role}}. To accept and choose your password, open this link within 7 days:\n\n{{link}}\n\nIf you did not expect this, ignore this message."),
    };

    private readonly Dictionary<string, Template> _cache = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>The subject, text and HTML of <paramref name="name"/> with <paramref name="values"/> filled in.</summary>
    public (string Subject, string Text, string Html) Render(string name, IReadOnlyDictionary<string, string> values)
    {
        var template = Get(name);
        var subject = Fill(template.Subject, values, html: false).ReplaceLineEndings(" ");
        return (subject, Fill(template.Text, values, html: false), Fill(template.Html, values, html: true));
    }

    private Template Get(string name)
    {
        lock (_lock)
        {
            if (!_cache.TryGetValue(name, out var template))
            {
                var (subject, text) = BuiltIn[name];
                var directory = options.Value.TemplateDirectory;
                subject = Read(directory, $"{name}.subject.txt") ?? subject;
                text = Read(directory, $"{name}.txt") ?? text;
                var html = Read(directory, $"{name}.html") ?? ToHtml(text);
                _cache[name] = template = new Template(subject.Trim(), text, html);
            }

            return template;
        }
    }

    private static string? Read(string? directory, string file) =>
        directory is { Length: > 0 } && File.Exists(Path.Combine(directory, file)) ? File.ReadAllText(Path.Combine(directory, file)) : null;

    // Note: the built-in HTML part is the text's paragraphs; a placeholder is filled after the markup is made, encoded.
    private static string ToHtml(string text)
    {
        var html = new StringBuilder("<!DOCTYPE html><html><body style=\"font-family:sans-serif\">");
        foreach (var paragraph in text.Split("\n\n"))
        {
            html.Append("<p>").Append(paragraph.Replace("\n", "<br>")).Append("</p>");
        }

        return html.Append("</body></html>").ToString();
    }

    private static string Fill(string template, IReadOnlyDictionary<string, string> values, bool html)
    {
        var result = new StringBuilder(template.Length + 200);
        var at = 0;
        while (true)
        {
            var start = template.IndexOf("{{", at, StringComparison.Ordinal);
            var end = start < 0 ? -1 : template.IndexOf("}}", start + 2, StringComparison.Ordinal);
            if (end < 0)
            {
                return result.Append(template, at, template.Length - at).ToString();
            }

            result.Append(template, at, start - at);
            var key = template[(start + 2)..end].Trim();
            var value = values.TryGetValue(key, out var found) ? found : "";
            if (html && (key.EndsWith("link", StringComparison.OrdinalIgnoreCase)))
            {
                // Note: a link is a link in the HTML part too; it is encoded as an attribute and as text alike.
                var encoded = WebUtility.HtmlEncode(value);
                result.Append("<a href=\"").Append(encoded).Append("\">").Append(encoded).Append("</a>");
            }
            else
            {
                result.Append(html ? WebUtility.HtmlEncode(value) : value);
            }

            at = end + 2;
        }
    }

    private sealed record Template(string Subject, string Text, string Html);
}
