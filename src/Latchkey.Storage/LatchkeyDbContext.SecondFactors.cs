using Latchkey.Core.Model;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Storage;

// Note: second factors in a file of their own, so that the model of DESIGN.md §1 stays readable in one place.
internal abstract partial class LatchkeyDbContext
{
    public DbSet<TotpFactor> TotpFactors => Set<TotpFactor>();

    public DbSet<RecoveryCode> RecoveryCodes => Set<RecoveryCode>();

    public DbSet<MfaChallenge> MfaChallenges => Set<MfaChallenge>();

    public DbSet<TenantMfaPolicy> TenantMfaPolicies => Set<TenantMfaPolicy>();

    public DbSet<TenantPolicy> TenantPolicies => Set<TenantPolicy>();

    public DbSet<Passkey> Passkeys => Set<Passkey>();

    public DbSet<WebAuthnCeremony> WebAuthnCeremonies => Set<WebAuthnCeremony>();

    private void ConfigureSecondFactors(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<TenantMfaPolicy>(policy =>
        {
            policy.ToTable("tenant_mfa_policy");
            policy.HasKey(p => p.TenantId);
            policy.Property(p => p.TenantId).HasColumnName("tenant_id");
            policy.Property(p => p.RequiredFor).HasColumnName("required_for").HasMaxLength(64);
            policy.HasOne<Tenant>().WithOne().HasForeignKey<TenantMfaPolicy>(p => p.TenantId).OnDelete(DeleteBehavior.Cascade);
            policy.HasQueryFilter(TenantFilter, p => p.TenantId == CurrentTenantId);
        });

        modelBuilder.Entity<TenantPolicy>(policy =>
        {
            policy.ToTable("tenant_policy");
            policy.HasKey(p => p.TenantId);
            policy.Property(p => p.TenantId).HasColumnName("tenant_id");
            policy.Property(p => p.SessionAbsoluteLifetimeSeconds).HasColumnName("session_absolute_lifetime_seconds");
            policy.Property(p => p.SessionIdleTimeoutSeconds).HasColumnName("session_idle_timeout_seconds");
            policy.Property(p => p.MaxSessionsPerUser).HasColumnName("max_sessions_per_user");
            policy.Property(p => p.MachineTokenMaxLifetimeSeconds).HasColumnName("machine_token_max_lifetime_seconds");
            policy.Property(p => p.MachineTokenScopes).HasColumnName("machine_token_scopes").HasMaxLength(2200);
            policy.Property(p => p.PasswordMinLength).HasColumnName("password_min_length");
            policy.Property(p => p.UpdatedAt).HasColumnName("updated_at");
            policy.Ignore(p => p.SessionAbsoluteLifetime);
            policy.Ignore(p => p.SessionIdleTimeout);
            policy.Ignore(p => p.MachineTokenMaxLifetime);
            policy.Ignore(p => p.AllowedScopes);
            policy.Ignore(p => p.IsEmpty);
            policy.HasOne<Tenant>().WithOne().HasForeignKey<TenantPolicy>(p => p.TenantId).OnDelete(DeleteBehavior.Cascade);
            policy.HasQueryFilter(TenantFilter, p => p.TenantId == CurrentTenantId);
        });

        modelBuilder.Entity<TotpFactor>(factor =>
        {
            factor.ToTable("user_totp");
            factor.HasKey(f => f.UserId);
            factor.Property(f => f.UserId).HasColumnName("user_id");
            factor.Property(f => f.TenantId).HasColumnName("tenant_id");
            factor.Property(f => f.ProtectedSecret).HasColumnName("protected_secret").HasMaxLength(1000);
            factor.Property(f => f.ConfirmedAt).HasColumnName("confirmed_at");
            factor.Property(f => f.LastStep).HasColumnName("last_step");
            factor.Property(f => f.CreatedAt).HasColumnName("created_at");
            factor.HasIndex(f => f.TenantId);
            factor.HasOne<User>().WithMany().HasForeignKey(f => f.UserId).OnDelete(DeleteBehavior.Cascade);
            factor.HasQueryFilter(TenantFilter, f => f.TenantId == CurrentTenantId);
        });

        modelBuilder.Entity<RecoveryCode>(code =>
        {
            code.ToTable("recovery_codes");
            code.HasKey(c => c.Id);
            code.Property(c => c.Id).HasColumnName("id");
            code.Property(c => c.UserId).HasColumnName("user_id");
            code.Property(c => c.TenantId).HasColumnName("tenant_id");
            code.Property(c => c.Digest).HasColumnName("digest").HasMaxLength(32);
            code.Property(c => c.CreatedAt).HasColumnName("created_at");
            code.HasIndex(c => new { c.UserId, c.Digest }).IsUnique();
            code.HasOne<User>().WithMany().HasForeignKey(c => c.UserId).OnDelete(DeleteBehavior.Cascade);
            code.HasQueryFilter(TenantFilter, c => c.TenantId == CurrentTenantId);
        });

        modelBuilder.Entity<MfaChallenge>(challenge =>
        {
            challenge.ToTable("mfa_challenges");
            challenge.HasKey(c => c.Id);
            challenge.Property(c => c.Id).HasColumnName("id");
            challenge.Property(c => c.TokenDigest).HasColumnName("token_digest").HasMaxLength(32);
            challenge.Property(c => c.UserId).HasColumnName("user_id");
            challenge.Property(c => c.TenantId).HasColumnName("tenant_id");
            challenge.Property(c => c.AppId).HasColumnName("app_id").HasMaxLength(128);
            challenge.Property(c => c.AppName).HasColumnName("app_name").HasMaxLength(100);
            challenge.Property(c => c.CredentialVersion).HasColumnName("credential_version");
            challenge.Property(c => c.Failures).HasColumnName("failures");
            challenge.Property(c => c.CreatedAt).HasColumnName("created_at");
            challenge.Property(c => c.ExpiresAt).HasColumnName("expires_at");
            challenge.HasIndex(c => c.TokenDigest).IsUnique();
            challenge.HasIndex(c => c.ExpiresAt);
            challenge.HasOne<User>().WithMany().HasForeignKey(c => c.UserId).OnDelete(DeleteBehavior.Cascade);
            challenge.HasQueryFilter(TenantFilter, c => c.TenantId == CurrentTenantId);
        });

        modelBuilder.Entity<Passkey>(passkey =>
        {
            passkey.ToTable("passkeys");
            passkey.HasKey(p => p.Id);
            passkey.Property(p => p.Id).HasColumnName("id");
            passkey.Property(p => p.UserId).HasColumnName("user_id");
            passkey.Property(p => p.TenantId).HasColumnName("tenant_id");
            passkey.Property(p => p.CredentialId).HasColumnName("credential_id").HasMaxLength(1023);
            passkey.Property(p => p.PublicKey).HasColumnName("public_key").HasMaxLength(2048);
            passkey.Property(p => p.SignCount).HasColumnName("sign_count");
            passkey.Property(p => p.BackupEligible).HasColumnName("backup_eligible");
            passkey.Property(p => p.BackedUp).HasColumnName("backed_up");
            passkey.Property(p => p.Aaguid).HasColumnName("aaguid");
            passkey.Property(p => p.Transports).HasColumnName("transports").HasMaxLength(200);
            passkey.Property(p => p.Name).HasColumnName("name").HasMaxLength(100);
            passkey.Property(p => p.CreatedAt).HasColumnName("created_at");
            passkey.Property(p => p.LastUsedAt).HasColumnName("last_used_at");

            // Note: unique across the service: a password-less sign-in finds the person by the credential id alone.
            passkey.HasIndex(p => p.CredentialId).IsUnique();
            passkey.HasIndex(p => p.UserId);
            passkey.HasIndex(p => p.TenantId);
            passkey.HasOne<User>().WithMany().HasForeignKey(p => p.UserId).OnDelete(DeleteBehavior.Cascade);
            passkey.HasQueryFilter(TenantFilter, p => p.TenantId == CurrentTenantId);
        });

        // Note: no tenant filter: a password-less sign-in's ceremony belongs to no person yet; every access is by the
        // ceremony's random id, which only the browser that asked for it holds.
        modelBuilder.Entity<WebAuthnCeremony>(ceremony =>
        {
            ceremony.ToTable("webauthn_ceremonies");
            ceremony.HasKey(c => c.Id);
            ceremony.Property(c => c.Id).HasColumnName("id");
            ceremony.Property(c => c.Kind).HasColumnName("kind");
            ceremony.Property(c => c.UserId).HasColumnName("user_id");
            ceremony.Property(c => c.AppId).HasColumnName("app_id").HasMaxLength(128);
            ceremony.Property(c => c.AppName).HasColumnName("app_name").HasMaxLength(100);
            ceremony.Property(c => c.SessionId).HasColumnName("session_id");
            ceremony.Property(c => c.MfaChallengeId).HasColumnName("mfa_challenge_id");
            ceremony.Property(c => c.Options).HasColumnName("options").HasMaxLength(8000);
            ceremony.Property(c => c.CreatedAt).HasColumnName("created_at");
            ceremony.Property(c => c.ExpiresAt).HasColumnName("expires_at");
            ceremony.HasIndex(c => c.ExpiresAt);
            ceremony.HasOne<User>().WithMany().HasForeignKey(c => c.UserId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}
