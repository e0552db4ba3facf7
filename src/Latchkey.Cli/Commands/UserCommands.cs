using System.CommandLine;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Latchkey.Core.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Cli.Commands;

/// <summary>
/// <c>latchkey user ...</c>: people's accounts, through the same rules as the admin API (the operator acts with an
/// owner's rights, and the last enabled owner of a tenant still cannot be disabled, demoted or deleted).
/// </summary>
internal static class UserCommands
{
    public static Command Build(CliConsole console)
    {
        var user = new Command("user", "Create, list and manage people's accounts.");
        user.Subcommands.Add(Create(console));
        user.Subcommands.Add(List(console));
        user.Subcommands.Add(Access(console, "disable", "Disable a user and end all its sessions.", disabled: true));
        user.Subcommands.Add(Access(console, "enable", "Enable a disabled user.", disabled: false));
        user.Subcommands.Add(Unlock(console));
        user.Subcommands.Add(Delete(console));
        user.Subcommands.Add(SetRole(console));
        user.Subcommands.Add(ResetPassword(console));
        user.Subcommands.Add(ResetMfa(console));
        user.Subcommands.Add(Invite(console));
        return user;
    }

    private static Argument<string> UserArgument() =>
        new("user") { Description = "The user's login (or its id, with --tenant)." };

    private static Option<string?> TenantOfUser() => CommonOptions.OptionalTenant("The user's tenant (needed only with a user id).");

    private static Command Create(CliConsole console)
    {
        var login = new Argument<string>("login") { Description = "The new user's login." };
        var tenant = CommonOptions.Tenant();
        var role = new Option<string>("--role") { Description = "owner, admin or member.", DefaultValueFactory = _ => TenantRoles.Member };
        var passwordStdin = CommonOptions.PasswordStdin();
        var mustChange = new Option<bool>("--must-change-password")
        {
            Description = "Whether the person must choose their own password at first sign-in (default true; --must-change-password false to keep this one).",
            DefaultValueFactory = _ => true,
        };
        var command = new Command("create", "Create a user (whose password is prompted for).") { login, tenant, role, passwordStdin, mustChange };
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            var target = await cli.Services.ResolveTenantAsync(cli.Get(tenant), cancellationToken);
            var password = Secrets.ReadNewPassword(console, cli.Get(passwordStdin), "Password");
            var result = await cli.Services.InTenantAsync(target.Id, (sp, caller) => sp.GetRequiredService<UserAdminService>()
                .CreateAsync(caller, cli.Get(login), password, [cli.Get(role)], cli.Parse.GetValue(mustChange), cancellationToken));
            var user = Check(result, cli.Get(login));
            cli.Output.Record(Describe(user), ("id", user.Id), ("login", user.Login), ("role", TenantRoles.Name(user.Role)),
                ("must change password", user.MustChangePassword ? "yes" : "no"));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CliConsole console)
    {
        var tenant = CommonOptions.Tenant();
        var command = new Command("list", "List a tenant's users.") { tenant };
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            var target = await cli.Services.ResolveTenantAsync(cli.Get(tenant), cancellationToken);
            var users = await cli.Services.InTenantAsync(target.Id, (sp, caller) =>
                Page<UserSummary>.AllAsync(page => sp.GetRequiredService<UserAdminService>().ListAsync(caller, page, cancellationToken)));
            cli.Output.Table(users.Select(u => Describe(u.User) with { LastSessionUseAt = u.LastSessionUseAt }),
                ["id", "login", "role", "disabled", "created", "last used"],
                u => [u.Id, u.Login, u.Role, u.Disabled ? "yes" : "no", u.CreatedAt, u.LastSessionUseAt]);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Access(CliConsole console, string name, string description, bool disabled)
    {
        var user = UserArgument();
        var tenant = TenantOfUser();
        var command = new Command(name, description) { user, tenant };
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            var target = await cli.Services.ResolveHumanAsync(cli.Get(user), cli.Get(tenant), cancellationToken);
            var result = await cli.Services.InTenantAsync(target.TenantId, (sp, caller) => sp.GetRequiredService<UserAdminService>()
                .UpdateAsync(caller, target.Id, null, disabled, cancellationToken));
            var changed = Check(result, cli.Get(user));
            await cli.Services.SettleAsync();
            cli.Output.Message($"{changed.Login} is {(disabled ? "disabled; its sessions are ended" : "enabled")}.", Describe(changed));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command SetRole(CliConsole console)
    {
        var user = UserArgument();
        var role = new Argument<string>("role") { Description = "owner, admin or member." };
        var tenant = TenantOfUser();
        var command = new Command("set-role", "Change a user's role.") { user, role, tenant };
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            var target = await cli.Services.ResolveHumanAsync(cli.Get(user), cli.Get(tenant), cancellationToken);
            var result = await cli.Services.InTenantAsync(target.TenantId, (sp, caller) => sp.GetRequiredService<UserAdminService>()
                .UpdateAsync(caller, target.Id, [cli.Get(role)], null, cancellationToken));
            var changed = Check(result, cli.Get(user));
            await cli.Services.SettleAsync();
            cli.Output.Message($"{changed.Login} is now {TenantRoles.Name(changed.Role)}.", Describe(changed));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Unlock(CliConsole console)
    {
        var user = UserArgument();
        var tenant = TenantOfUser();
        var command = new Command("unlock", "Clear a user's failed logins, ending a lockout.") { user, tenant };
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            var target = await cli.Services.ResolveHumanAsync(cli.Get(user), cli.Get(tenant), cancellationToken);
            var outcome = await cli.Services.InTenantAsync(target.TenantId, (sp, caller) => sp.GetRequiredService<UserAdminService>()
                .UnlockAsync(caller, target.Id, cancellationToken));
            Check(new UserAdminResult(outcome, target), cli.Get(user));
            cli.Output.Message($"{target.Login} is unlocked.", Describe(target));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Delete(CliConsole console)
    {
        var user = UserArgument();
        var tenant = TenantOfUser();
        var command = new Command("delete", "Delete a user and its sessions.") { user, tenant };
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            var target = await cli.Services.ResolveHumanAsync(cli.Get(user), cli.Get(tenant), cancellationToken);
            var outcome = await cli.Services.InTenantAsync(target.TenantId, (sp, caller) => sp.GetRequiredService<UserAdminService>()
                .DeleteAsync(caller, target.Id, cancellationToken));
            Check(new UserAdminResult(outcome, target), cli.Get(user));
            await cli.Services.SettleAsync();
            cli.Output.Message($"{target.Login} is deleted.", new { Deleted = target.Id });
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command ResetPassword(CliConsole console)
    {
        var user = UserArgument();
        var tenant = TenantOfUser();
        var passwordStdin = CommonOptions.PasswordStdin();
        var command = new Command("reset-password", "Set a new password for a user (prompted for) and end all its sessions.")
        {
            user, tenant, passwordStdin,
        };
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            var target = await cli.Services.ResolveHumanAsync(cli.Get(user), cli.Get(tenant), cancellationToken);
            var password = Secrets.ReadNewPassword(console, cli.Get(passwordStdin), "New password");
            var result = await cli.Services.InTenantAsync(target.TenantId, (sp, caller) => sp.GetRequiredService<UserAdminService>()
                .ResetPasswordAsync(caller, target.Id, password, cancellationToken));
            Check(result, cli.Get(user));
            await cli.Services.SettleAsync();
            cli.Output.Message($"{target.Login} has a new password; its sessions are ended.", Describe(target));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command ResetMfa(CliConsole console)
    {
        var user = UserArgument();
        var tenant = TenantOfUser();
        var command = new Command("reset-mfa",
            "Remove every second factor of a user (authenticator app, recovery codes), e.g. a sole owner who lost them.") { user, tenant };
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            var target = await cli.Services.ResolveHumanAsync(cli.Get(user), cli.Get(tenant), cancellationToken);
            var result = await cli.Services.InTenantAsync(target.TenantId, (sp, caller) => sp.GetRequiredService<SecondFactorService>()
                .ResetAsync(caller, target.Id, cancellationToken));
            if (result.Outcome != MfaOutcome.Done)
            {
                throw new CliException(ExitCodes.NotFound, $"No user {cli.Get(user)}.");
            }

            cli.Output.Message($"{target.Login} has no second factor now; the next login asks for the password only.", Describe(target));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Invite(CliConsole console)
    {
        var email = new Argument<string>("email") { Description = "The address to invite; it becomes the person's login." };
        var tenant = CommonOptions.Tenant();
        var role = new Option<string>("--role") { Description = "owner, admin or member.", DefaultValueFactory = _ => TenantRoles.Member };
        var command = new Command("invite",
            "Invite a person by e-mail (the server's sender delivers it); they choose their own password.") { email, tenant, role };
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            var target = await cli.Services.ResolveTenantAsync(cli.Get(tenant), cancellationToken);
            var result = await cli.Services.InTenantAsync(target.Id, async (sp, caller) =>
            {
                if (!sp.GetRequiredService<Latchkey.Core.Email.EmailOutbox>().IsConfigured)
                {
                    throw new CliException(ExitCodes.Unavailable,
                        "E-mail is not configured: set Latchkey:PublicBaseUrl and Latchkey:Email:Smtp:Host (or Latchkey:Email:PickupDirectory).");
                }

                return await sp.GetRequiredService<Latchkey.Core.Email.InvitationService>().InviteAsync(caller, cli.Get(email), [cli.Get(role)], cancellationToken);
            });
            var invitation = result.Outcome switch
            {
                Latchkey.Core.Email.InvitationOutcome.Done => result.Invitation!,
                Latchkey.Core.Email.InvitationOutcome.Invalid => throw new CliException(ExitCodes.Invalid, $"{result.Error!.Field}: {result.Error.Message}"),
                _ => throw new CliException(ExitCodes.Conflict, "Refused by the tenant's role rules."),
            };
            cli.Output.Record(new { invitation.Id, invitation.TenantId, invitation.Email, Role = TenantRoles.Name(invitation.Role), invitation.ExpiresAt },
                ("id", invitation.Id), ("email", invitation.Email), ("expires", invitation.ExpiresAt));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static User Check(UserAdminResult result, string reference) => result.Outcome switch
    {
        UserAdminOutcome.Done => result.User!,
        UserAdminOutcome.NotFound => throw new CliException(ExitCodes.NotFound, $"No user {reference}."),
        UserAdminOutcome.LoginTaken => throw new CliException(ExitCodes.Conflict, $"The login {reference} is taken."),
        UserAdminOutcome.LastOwner => throw new CliException(ExitCodes.Conflict,
            "Refused: the tenant would be left without an enabled owner. Make another user owner first."),
        UserAdminOutcome.Invalid => throw new CliException(ExitCodes.Invalid, $"{result.Error!.Field}: {result.Error.Message}"),
        UserAdminOutcome.Conflict => throw new CliException(ExitCodes.Conflict,
            $"The user {reference} changed meanwhile; nothing was changed. Try again."),
        _ => throw new CliException(ExitCodes.Conflict, "Refused by the tenant's role rules."),
    };

    internal static UserView Describe(User user) =>
        new(user.Id, user.TenantId, user.Login, TenantRoles.Name(user.Role), user.Disabled, user.CreatedAt, null, user.MustChangePassword);

    internal sealed record UserView(
        Guid Id, Guid TenantId, string Login, string Role, bool Disabled, DateTimeOffset CreatedAt, DateTimeOffset? LastSessionUseAt,
        bool MustChangePassword = false);
}
