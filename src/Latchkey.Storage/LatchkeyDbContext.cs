using Latchkey.Core.Credentials;
using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Storage;

/// <summary>
/// The model of DESIGN.md §1. Each provider derives its own context so that it owns its own migrations.
/// </summary>
/// <remarks>
/// Every tenant-owned table carries the <see cref="TenantFilter"/> query filter: a query sees only the rows of the
/// scope's <see cref="TenantContext"/>, and none while no tenant has been entered. The few paths that must cross
/// tenants (login, request authentication, the background jobs) say so with <c>IgnoreQueryFilters([TenantFilter])</c>.
/// </remarks>
internal abstract partial class LatchkeyDbContext(DbContextOptions options) : DbContext(options), IDataProtectionKeyContext
{
    /// <summary>Forgets the tenant as the context goes back to the pool, so whoever rents it next starts with none.</summary>
    public override void Dispose()
    {
        Tenant = null;
        Changes = null;
        base.Dispose();
    }

    /// <inheritdoc cref="Dispose"/>
    public override ValueTask DisposeAsync()
    {
        Tenant = null;
        Changes = null;
        return base.DisposeAsync();
    }

    /// <summary>The name of the query filter that confines queries to the scope's tenant.</summary>
    public const string TenantFilter = "tenant";

    /// <summary>
    /// Prepares the database for <see cref="DatabaseMigrator"/> and holds whatever keeps other instances out of the
    /// migration until the result is disposed. The connection stays open meanwhile.
    /// </summary>
    public abstract Task<IAsyncDisposable> EnterMigrationAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Inside a transaction: holds the tenant's row locked until the transaction ends, so that changes which must see
    /// the tenant's other rows as they are (the last-owner rule) take turns. Note: on READ COMMITTED each statement
    /// sees what committed before it started, so a transaction that waited here sees the other's change.
    /// </summary>
    public abstract Task LockTenantAsync(Guid tenantId, CancellationToken cancellationToken);

    /// <summary>
    /// Inside a transaction: holds the user's row locked until the transaction ends, so that replacing one of its
    /// sessions (delete, then insert) is done by one login at a time.
    /// </summary>
    public abstract Task LockUserAsync(Guid userId, CancellationToken cancellationToken);

    public DbSet<Tenant> Tenants => Set<Tenant>();

    public DbSet<User> Users => Set<User>();

    public DbSet<AppSession> Sessions => Set<AppSession>();

    public DbSet<LoginThrottleState> LoginThrottles => Set<LoginThrottleState>();

    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();

    public DbSet<PendingMaintenance> PendingMaintenance => Set<PendingMaintenance>();

    public DbSet<OutboxMessage> EmailOutbox => Set<OutboxMessage>();

    public DbSet<EmailToken> EmailTokens => Set<EmailToken>();

    public DbSet<Invitation> Invitations => Set<Invitation>();

    public DbSet<QueuedPasswordReset> PasswordResetRequests => Set<QueuedPasswordReset>();
    /// <summary>The JWT signing keys, private parts encrypted with the Data Protection key ring.</summary>
    public DbSet<SigningKey> SigningKeys => Set<SigningKey>();
    public DbSet<CredentialTombstone> Tombstones => Set<CredentialTombstone>();

    public DbSet<ClientFailureAllowance> ClientFailureAllowances => Set<ClientFailureAllowance>();

    public DbSet<RateLimitWindow> RateLimitWindows => Set<RateLimitWindow>();

    public DbSet<MachineUserRateLimit> MachineUserRateLimits => Set<MachineUserRateLimit>();

    /// <summary>
    /// Inside the transaction that is about to delete <paramref name="ending"/>: leaves a tombstone for each, so that
    /// the holder of one of their keys is told <paramref name="reason"/>. Note: read, then added, then the caller
    /// deletes: a session a concurrent login inserts in between gets no tombstone, and its holder the plain 401 of
    /// today; nothing is ever wrongly accepted.
    /// </summary>
    public async Task BuryAsync(IQueryable<AppSession> ending, CredentialEndReason reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var keys = await ending.AsNoTracking().Select(s => new { s.KeyId, s.KeyDigest, s.AppId }).ToListAsync(cancellationToken);
        if (keys.Count == 0)
        {
            return;
        }

        await AddTombstonesAsync(keys.Select(k => new CredentialTombstone
        {
            Id = Guid.CreateVersion7(now), PublicPart = k.KeyId, Digest = k.KeyDigest, AppId = k.AppId, Reason = reason, EndedAt = now,
        }).ToList(), cancellationToken);
    }

    /// <summary>As <see cref="BuryAsync"/>, for the machine token whose verifier is <paramref name="verifier"/>.</summary>
    public async Task BuryMachineTokenAsync(string login, string verifier, CredentialEndReason reason, DateTimeOffset now, DateTimeOffset endedAt, CancellationToken cancellationToken)
    {
        if (SecretDigest.ToDigest(verifier) is not { } digest)
        {
            return;
        }

        await AddTombstonesAsync([new CredentialTombstone
        {
            Id = Guid.CreateVersion7(now), PublicPart = login, Digest = digest, AppId = null, Reason = reason, EndedAt = endedAt,
        }], cancellationToken);
    }

    // Note: detached after saving rather than clearing the tracker, which may hold the unit of work's other changes.
    private async Task AddTombstonesAsync(List<CredentialTombstone> tombstones, CancellationToken cancellationToken)
    {
        Tombstones.AddRange(tombstones);
        await SaveChangesAsync(cancellationToken);
        foreach (var tombstone in tombstones)
        {
            Entry(tombstone).State = EntityState.Detached;
        }
    }

    /// <summary>The Data Protection key ring that encrypts queued e-mails, where every instance reads it.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    /// <summary>
    /// Inside a transaction: the ids of up to <paramref name="limit"/> pending e-mails due at <paramref name="now"/>,
    /// locked so that no other sender claims them (PostgreSQL: <c>FOR UPDATE SKIP LOCKED</c>, so senders share the
    /// outbox without waiting for each other; SQLite: the transaction's write lock already excludes every other writer).
    /// </summary>
    public abstract Task<List<Guid>> LockDueEmailsAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Inside a transaction: the id of the oldest password-reset request due at <paramref name="now"/>, locked like
    /// <see cref="LockDueEmailsAsync"/> so that two workers never handle the same request.
    /// </summary>
    public abstract Task<Guid?> LockNextPasswordResetRequestAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// The scope's tenant. Set each time a pooled context is handed to a scope (see
    /// <c>StorageServiceCollectionExtensions</c>), since a pooled context outlives the scope that used it last.
    /// </summary>
    public TenantContext? Tenant { get; set; }

    /// <summary>The scope's credential changes, set on hand-out like <see cref="Tenant"/>.</summary>
    public CredentialChangeTracker? Changes { get; set; }

    /// <summary>
    /// Inside a transaction: the credentials of <paramref name="subject"/> (a user or a tenant) changed, so that cached
    /// copies must go, here and on every other instance, once the transaction commits.
    /// </summary>
    public Task CredentialsChangedAsync(Guid subject, CancellationToken cancellationToken) =>
        Changes?.NoteAsync(this, subject, cancellationToken)
        ?? throw new InvalidOperationException("This context was not handed out by a scope; it cannot announce credential changes.");

    // Note: EF Core reads a context member used in a query filter afresh for each query, as a parameter; the model
    // (and its compiled queries) stay shared between contexts. Null matches no row, so an unset tenant fails closed.
    private Guid? CurrentTenantId => Tenant?.TenantId;

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Tenant>(tenant =>
        {
            tenant.ToTable("tenants");
            tenant.HasKey(t => t.Id);
            tenant.Property(t => t.Id).HasColumnName("id");
            tenant.Property(t => t.Name).HasColumnName("name").HasMaxLength(200);
            tenant.Property(t => t.ContactEmail).HasColumnName("contact_email").HasMaxLength(320);
            tenant.Property(t => t.CreatedAt).HasColumnName("created_at");
            tenant.HasQueryFilter(TenantFilter, t => t.Id == CurrentTenantId);
        });

        modelBuilder.Entity<User>(user =>
        {
            user.ToTable("users");
            user.HasKey(u => u.Id);
            user.Property(u => u.Id).HasColumnName("id");
            user.Property(u => u.TenantId).HasColumnName("tenant_id");
            user.Property(u => u.Kind).HasColumnName("kind");
            user.Property(u => u.Login).HasColumnName("login").HasMaxLength(256);
            user.Property(u => u.Name).HasColumnName("name").HasMaxLength(100);
            user.Property(u => u.SecretVerifier).HasColumnName("secret_verifier").HasMaxLength(256);
            user.Property(u => u.Role).HasColumnName("role");
            user.Property(u => u.Scopes).HasColumnName("scopes").HasMaxLength(2200);
            user.Property(u => u.Disabled).HasColumnName("disabled");
            user.Property(u => u.CredentialVersion).HasColumnName("credential_version");
            user.Property(u => u.CreatedAt).HasColumnName("created_at");
            user.Property(u => u.LastUsedAt).HasColumnName("last_used_at");
            user.Property(u => u.LastSignInAt).HasColumnName("last_sign_in_at");
            user.Property(u => u.TokenIssuedAt).HasColumnName("token_issued_at");
            user.Property(u => u.Email).HasColumnName("email").HasMaxLength(Core.Email.EmailAddress.MaxLength);
            user.Property(u => u.EmailVerified).HasColumnName("email_verified");
            user.Property(u => u.MustChangePassword).HasColumnName("must_change_password").HasDefaultValue(false);
            user.Property(u => u.TokenExpiresAt).HasColumnName("token_expires_at");
            user.Property(u => u.PreviousSecretVerifier).HasColumnName("previous_secret_verifier").HasMaxLength(256);
            user.Property(u => u.PreviousSecretSince).HasColumnName("previous_secret_since");
            user.Property(u => u.PreviousSecretUntil).HasColumnName("previous_secret_until");
            user.HasIndex(u => u.Login).IsUnique();
            user.HasIndex(u => new { u.TenantId, u.Kind });
            user.HasOne<Tenant>().WithMany().HasForeignKey(u => u.TenantId).OnDelete(DeleteBehavior.Cascade);
            user.HasQueryFilter(TenantFilter, u => u.TenantId == CurrentTenantId);
        });

        modelBuilder.Entity<AppSession>(session =>
        {
            session.ToTable("api_user_key");
            session.HasKey(s => s.Id);
            session.Property(s => s.Id).HasColumnName("id");
            session.Property(s => s.UserId).HasColumnName("user_id");
            session.Property(s => s.TenantId).HasColumnName("tenant_id");
            session.Property(s => s.AppId).HasColumnName("app_id").HasMaxLength(128);
            session.Property(s => s.AppName).HasColumnName("app_name").HasMaxLength(100);
            session.Property(s => s.KeyId).HasColumnName("key_id").HasMaxLength(32);
            session.Property(s => s.KeyDigest).HasColumnName("key_digest").HasMaxLength(32);
            session.Property(s => s.CredentialVersion).HasColumnName("credential_version");
            session.Property(s => s.CreatedAt).HasColumnName("created_at");
            session.Property(s => s.CreatedIp).HasColumnName("created_ip").HasMaxLength(AppSession.MaxIpAddressLength);
            session.Property(s => s.LastUsedAt).HasColumnName("last_used_at");
            session.Property(s => s.ExpiresAt).HasColumnName("expires_at");
            session.Property(s => s.Amr).HasColumnName("amr").HasMaxLength(32).HasDefaultValue(AuthenticationMethods.Password);
            session.Property(s => s.AuthTime).HasColumnName("auth_time");
            session.Property(s => s.EnrolmentOnly).HasColumnName("enrolment_only").HasDefaultValue(false);
            session.HasIndex(s => s.KeyId).IsUnique();
            session.HasIndex(s => new { s.UserId, s.AppId }).IsUnique();
            session.HasIndex(s => s.ExpiresAt);
            session.HasIndex(s => new { s.TenantId, s.UserId });
            session.HasOne<User>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
            session.HasQueryFilter(TenantFilter, s => s.TenantId == CurrentTenantId);
        });

        modelBuilder.Entity<AuditEntry>(entry =>
        {
            entry.ToTable("audit_log");
            entry.HasKey(e => e.Sequence);
            entry.Property(e => e.Sequence).HasColumnName("seq").ValueGeneratedOnAdd();
            entry.Property(e => e.Id).HasColumnName("id");
            entry.Property(e => e.TenantId).HasColumnName("tenant_id");
            entry.Property(e => e.At).HasColumnName("at");
            entry.Property(e => e.Event).HasColumnName("event").HasMaxLength(AuditEntry.MaxEventLength);
            entry.Property(e => e.ActorUserId).HasColumnName("actor_user_id");
            entry.Property(e => e.SubjectUserId).HasColumnName("subject_user_id");
            entry.Property(e => e.AppId).HasColumnName("app_id").HasMaxLength(AuditEntry.MaxAppIdLength);
            entry.Property(e => e.IpAddress).HasColumnName("ip_address").HasMaxLength(AuditEntry.MaxIpAddressLength);
            entry.Property(e => e.Detail).HasColumnName("detail").HasMaxLength(AuditEntry.MaxDetailLength);
            entry.Property(e => e.Operator).HasColumnName("operator").HasMaxLength(AuditEntry.MaxOperatorLength);
            entry.HasIndex(e => e.Id).IsUnique();
            entry.HasIndex(e => new { e.TenantId, e.Sequence });

            // Note: no foreign keys to users: the log outlives the users it mentions (a deleted user's entries stay).
            entry.HasOne<Tenant>().WithMany().HasForeignKey(e => e.TenantId).OnDelete(DeleteBehavior.Cascade);
            entry.HasQueryFilter(TenantFilter, e => e.TenantId == CurrentTenantId);
        });

        // Note: keyed by the login string's digest, not a user id, so logins that match no user are throttled alike.
        modelBuilder.Entity<LoginThrottleState>(throttle =>
        {
            throttle.ToTable("login_throttle");
            throttle.HasKey(t => t.LoginDigest);
            throttle.Property(t => t.LoginDigest).HasColumnName("login_digest").HasMaxLength(44);
            throttle.Property(t => t.Failures).HasColumnName("failures");
            throttle.Property(t => t.Pending).HasColumnName("pending");
            throttle.Property(t => t.NextAttemptAt).HasColumnName("next_attempt_at");
            throttle.Property(t => t.LastAttemptAt).HasColumnName("last_attempt_at");
        });

        // Note: the outbox is cross-tenant: only the background sender reads it, and a row holds nothing but an
        // encrypted message.
        modelBuilder.Entity<OutboxMessage>(message =>
        {
            message.ToTable("email_outbox");
            message.HasKey(m => m.Id);
            message.Property(m => m.Id).HasColumnName("id");
            message.Property(m => m.Kind).HasColumnName("kind").HasMaxLength(OutboxMessage.MaxKindLength);
            message.Property(m => m.Body).HasColumnName("body");
            message.Property(m => m.State).HasColumnName("state");
            message.Property(m => m.CreatedAt).HasColumnName("created_at");
            message.Property(m => m.DueAt).HasColumnName("due_at");
            message.Property(m => m.ExpiresAt).HasColumnName("expires_at");
            message.Property(m => m.Attempts).HasColumnName("attempts");
            message.Property(m => m.LastError).HasColumnName("last_error").HasMaxLength(OutboxMessage.MaxErrorLength);
            message.HasIndex(m => new { m.State, m.DueAt });
        });

        // Note: no tenant filter: a request names a login, and only the worker (cross-tenant) reads it.
        modelBuilder.Entity<QueuedPasswordReset>(request =>
        {
            request.ToTable("password_reset_requests");
            request.HasKey(r => r.Id);
            request.Property(r => r.Id).HasColumnName("id");
            request.Property(r => r.Login).HasColumnName("login").HasMaxLength(QueuedPasswordReset.MaxLoginLength);
            request.Property(r => r.RequestedAt).HasColumnName("requested_at");
            request.Property(r => r.DueAt).HasColumnName("due_at");
            request.HasIndex(r => r.DueAt);
        });

        // Note: found by the digest of the presented token (cross-tenant: the link's holder has no session); the row
        // carries its user's tenant so that the flow can enter it.
        modelBuilder.Entity<EmailToken>(token =>
        {
            token.ToTable("email_tokens");
            token.HasKey(t => t.Id);
            token.Property(t => t.Id).HasColumnName("id");
            token.Property(t => t.Purpose).HasColumnName("purpose");
            token.Property(t => t.UserId).HasColumnName("user_id");
            token.Property(t => t.TenantId).HasColumnName("tenant_id");
            token.Property(t => t.Digest).HasColumnName("digest").HasMaxLength(32);
            token.Property(t => t.Email).HasColumnName("email").HasMaxLength(Core.Email.EmailAddress.MaxLength);
            token.Property(t => t.CreatedAt).HasColumnName("created_at");
            token.Property(t => t.ExpiresAt).HasColumnName("expires_at");
            token.Property(t => t.Consumed).HasColumnName("consumed");
            token.HasIndex(t => t.Digest).IsUnique();
            token.HasIndex(t => new { t.UserId, t.Purpose, t.CreatedAt });
            token.HasIndex(t => t.ExpiresAt);
            token.HasOne<User>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<Invitation>(invitation =>
        {
            invitation.ToTable("invitations");
            invitation.HasKey(i => i.Id);
            invitation.Property(i => i.Id).HasColumnName("id");
            invitation.Property(i => i.TenantId).HasColumnName("tenant_id");
            invitation.Property(i => i.Email).HasColumnName("email").HasMaxLength(Core.Email.EmailAddress.MaxLength);
            invitation.Property(i => i.Role).HasColumnName("role");
            invitation.Property(i => i.Digest).HasColumnName("digest").HasMaxLength(32);
            invitation.Property(i => i.InvitedBy).HasColumnName("invited_by");
            invitation.Property(i => i.CreatedAt).HasColumnName("created_at");
            invitation.Property(i => i.ExpiresAt).HasColumnName("expires_at");
            invitation.Property(i => i.EndedAt).HasColumnName("ended_at");
            invitation.Property(i => i.AcceptedUserId).HasColumnName("accepted_user_id");
            invitation.HasIndex(i => i.Digest).IsUnique();
            invitation.HasIndex(i => new { i.TenantId, i.CreatedAt });
            invitation.HasOne<Tenant>().WithMany().HasForeignKey(i => i.TenantId).OnDelete(DeleteBehavior.Cascade);
            invitation.HasQueryFilter(TenantFilter, i => i.TenantId == CurrentTenantId);
        });

        // Note: cross-tenant like the request path that reads it; no foreign key, since it outlives its user.
        modelBuilder.Entity<CredentialTombstone>(tombstone =>
        {
            tombstone.ToTable("credential_tombstones");
            tombstone.HasKey(t => t.Id);
            tombstone.Property(t => t.Id).HasColumnName("id");
            tombstone.Property(t => t.PublicPart).HasColumnName("public_part").HasMaxLength(32);
            tombstone.Property(t => t.Digest).HasColumnName("digest").HasMaxLength(32);
            tombstone.Property(t => t.AppId).HasColumnName("app_id").HasMaxLength(128);
            tombstone.Property(t => t.Reason).HasColumnName("reason");
            tombstone.Property(t => t.EndedAt).HasColumnName("ended_at");
            tombstone.HasIndex(t => t.PublicPart);
            tombstone.HasIndex(t => t.EndedAt);
        });

        // Note: cross-tenant like the limits they hold: a client and a credential are counted whoever they belong to.
        // Both are written only on PostgreSQL (SQLite's one instance counts in memory); the tables exist on both so that
        // the two models stay one.
        modelBuilder.Entity<ClientFailureAllowance>(allowance =>
        {
            allowance.ToTable("client_failure_allowance");
            allowance.HasKey(a => a.Client);
            allowance.Property(a => a.Client).HasColumnName("client").HasMaxLength(ClientFailureAllowance.MaxClientLength);
            allowance.Property(a => a.Tokens).HasColumnName("tokens");
            allowance.Property(a => a.UpdatedAt).HasColumnName("updated_at");
            allowance.HasIndex(a => a.UpdatedAt);
        });

        modelBuilder.Entity<RateLimitWindow>(window =>
        {
            window.ToTable("rate_limit_window");
            window.HasKey(w => new { w.Key, w.WindowStart });
            window.Property(w => w.Key).HasColumnName("key").HasMaxLength(RateLimitWindow.MaxKeyLength);
            window.Property(w => w.WindowStart).HasColumnName("window_start");
            window.Property(w => w.WindowEnd).HasColumnName("window_end");
            window.Property(w => w.Used).HasColumnName("used");
            window.HasIndex(w => w.WindowEnd);
        });

        // Note: read by the request path across tenants (by the authenticated machine user's id); managed through the
        // tenant's API, so filtered like the users it belongs to.
        modelBuilder.Entity<MachineUserRateLimit>(limit =>
        {
            limit.ToTable("machine_user_rate_limit");
            limit.HasKey(l => l.UserId);
            limit.Property(l => l.UserId).HasColumnName("user_id");
            limit.Property(l => l.TenantId).HasColumnName("tenant_id");
            limit.Property(l => l.Permits).HasColumnName("permits");
            limit.Property(l => l.WindowSeconds).HasColumnName("window_seconds");
            limit.Property(l => l.UpdatedAt).HasColumnName("updated_at");
            limit.HasOne<User>().WithOne().HasForeignKey<MachineUserRateLimit>(l => l.UserId).OnDelete(DeleteBehavior.Cascade);
            limit.HasQueryFilter(TenantFilter, l => l.TenantId == CurrentTenantId);
        });

        modelBuilder.Entity<DataProtectionKey>(key =>
        {
            key.ToTable("data_protection_keys");
            key.HasKey(k => k.Id);
            key.Property(k => k.Id).HasColumnName("id");
            key.Property(k => k.FriendlyName).HasColumnName("friendly_name");
            key.Property(k => k.Xml).HasColumnName("xml");
        });
        // Note: cross-tenant: one issuer, one key set; only the key ring reads it.
        modelBuilder.Entity<SigningKey>(key =>
        {
            key.ToTable("signing_keys");
            key.HasKey(k => k.Id);
            key.Property(k => k.Id).HasColumnName("id");
            key.Property(k => k.Kid).HasColumnName("kid").HasMaxLength(64);
            key.Property(k => k.Generation).HasColumnName("generation");
            key.Property(k => k.Algorithm).HasColumnName("algorithm").HasMaxLength(16);
            key.Property(k => k.PublicKey).HasColumnName("public_key");
            key.Property(k => k.ProtectedPrivateKey).HasColumnName("protected_private_key");
            key.Property(k => k.CreatedAt).HasColumnName("created_at");
            key.Property(k => k.ActivatesAt).HasColumnName("activates_at");
            key.Property(k => k.RetiresAt).HasColumnName("retires_at");
            key.HasIndex(k => k.Generation).IsUnique();
            key.HasIndex(k => k.Kid).IsUnique();
        });
        ConfigureSecondFactors(modelBuilder);

        // Note: one-off data tasks that a schema migration schedules and code completes (see DatabaseMigrator),
        // because what they do, such as Unicode case folding, cannot be written in every provider's SQL.
        modelBuilder.Entity<PendingMaintenance>(task =>
        {
            task.ToTable("pending_maintenance");
            task.HasKey(t => t.Name);
            task.Property(t => t.Name).HasColumnName("name").HasMaxLength(100);
        });
    }
}
