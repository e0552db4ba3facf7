using Latchkey.Core.Email;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Latchkey.Storage;

/// <summary>
/// Encrypts queued e-mails with ASP.NET Core Data Protection. The key ring lives in Latchkey's database
/// (<c>data_protection_keys</c>), where every instance reads it, unless the host configured a repository of its own
/// (a directory, a certificate-protected store, ...) before or after: that one wins. Registered with the storage, so
/// the server and the CLI (which queues notices too) share it.
/// </summary>
internal static class EmailProtection
{
    public const string Purpose = "Latchkey.EmailOutbox.v1";

    public static IServiceCollection AddLatchkeyEmailProtection(this IServiceCollection services)
    {
        // Note: one application name for every instance and the CLI, whatever their content roots: they must read
        // each other's payloads. (A host embedding Latchkey shares it for its own Data Protection uses.)
        services.AddDataProtection().SetApplicationName("Latchkey");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(options =>
            options.XmlRepository ??= new EntityFrameworkCoreXmlRepository<LatchkeyDbContext>(sp, sp.GetRequiredService<ILoggerFactory>())));
        services.AddSingleton<IEmailBodyProtector, DataProtectionBodyProtector>();
        services.AddSingleton<Core.Stores.ISigningKeyProtector, DataProtectionSigningKeyProtector>();
        return services;
    }

    /// <summary>
    /// JWT private keys at rest, under the same key ring with a purpose of their own: a payload made for the outbox
    /// does not decrypt here, nor the reverse.
    /// </summary>
    private sealed class DataProtectionSigningKeyProtector(IDataProtectionProvider provider) : Core.Stores.ISigningKeyProtector
    {
        public const string Purpose = "Latchkey.JwtSigningKeys.v1";

        private readonly IDataProtector _protector = provider.CreateProtector(Purpose);

        public byte[] Protect(byte[] privateKey) => _protector.Protect(privateKey);

        public byte[] Unprotect(byte[] protectedKey) => _protector.Unprotect(protectedKey);
    }

    private sealed class DataProtectionBodyProtector : IEmailBodyProtector
    {
        private readonly IDataProtector _protector;

        public DataProtectionBodyProtector(IDataProtectionProvider provider)
        {
            _protector = provider.CreateProtector(Purpose);

            // Note: loads (or creates and stores) the key ring now, when the services that queue mail are resolved,
            // before any of them opens its transaction: the repository writes a new key through a context of its own,
            // which on SQLite would wait for that transaction's write lock for ever (the CLI has no hosted service
            // that creates the first key at start-up, as a server has).
            _ = _protector.Protect([]);
        }

        public byte[] Protect(byte[] plaintext) => _protector.Protect(plaintext);

        public byte[] Unprotect(byte[] protectedBody) => _protector.Unprotect(protectedBody);
    }
}
