namespace Latchkey.Core.Email;

/// <summary>
/// Encrypts a queued message at rest (it may carry a reset or invitation link). The host implements it with ASP.NET
/// Core Data Protection, its key ring where every instance reads it (the database by default).
/// </summary>
internal interface IEmailBodyProtector
{
    byte[] Protect(byte[] plaintext);

    /// <summary>Throws a <see cref="System.Security.Cryptography.CryptographicException"/> for a body it cannot read.</summary>
    byte[] Unprotect(byte[] protectedBody);
}

/// <summary>Sends one message: over SMTP, into a pickup directory, or (a test's) elsewhere.</summary>
internal interface IEmailTransport
{
    Task SendAsync(MimeKit.MimeMessage message, CancellationToken cancellationToken);
}
