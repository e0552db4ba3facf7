using System.Text.Json;
using Latchkey.AspNetCore.Authentication;
using Latchkey.AspNetCore.Authorization;
using Latchkey.Contracts;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Latchkey.AspNetCore.Endpoints;

/// <summary>The tenant's own rules (<c>/v1/tenant/policy</c>), for its owners; a change needs a recent authentication.</summary>
internal static class TenantPolicyEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        var policy = v1.MapGroup("/tenant/policy").RequireAuthorization(LatchkeyDefaults.TenantOwnerPolicy).WithTags("Tenant");
        policy.MapGet("", GetAsync).WithName("GetTenantPolicy").WithSummary("The tenant's session, machine-token, password and MFA rules");
        policy.MapPatch("", UpdateAsync).RequireRecentAuthentication().WithName("UpdateTenantPolicy")
            .WithSummary("Change the tenant's rules: a field given as null returns to the server's value; a field left out stays");
    }

    private static async Task<Ok<TenantPolicyResponse>> GetAsync(
        TenantPolicyService policies, TenantService tenants, HttpContext context, CancellationToken cancellationToken)
    {
        var caller = CallerPrincipal.ToCaller(context);
        var policy = await policies.GetAsync(caller.TenantId, cancellationToken);
        return TypedResults.Ok(ToResponse(policy, await tenants.GetMfaPolicyAsync(caller, cancellationToken), policies.Bounds));
    }

    private static async Task<Results<Ok<TenantPolicyResponse>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        JsonElement request, TenantPolicyService policies, TenantService tenants, HttpContext context, CancellationToken cancellationToken)
    {
        var (change, error) = Read(request);
        if (error is not null)
        {
            return Problems.Invalid(error);
        }

        var caller = CallerPrincipal.ToCaller(context);
        var (policy, invalid, forbidden) = await policies.UpdateAsync(caller, change!, cancellationToken);
        if (forbidden)
        {
            return Problems.Status(StatusCodes.Status403Forbidden, "Forbidden", "Only an owner may change the tenant's policy.");
        }

        if (invalid is not null)
        {
            return Problems.Invalid(invalid);
        }

        return TypedResults.Ok(ToResponse(policy!, await tenants.GetMfaPolicyAsync(caller, cancellationToken), policies.Bounds));
    }

    /// <summary>
    /// The change a PATCH body asks for. Note: read by hand, since a PATCH tells "leave as it is" (left out) from "back
    /// to the server's" (null), which a bound record cannot.
    /// </summary>
    internal static (TenantPolicyChange? Change, InputError? Error) Read(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            return (null, new("body", "A JSON object of the settings to change."));
        }

        var change = new TenantPolicyChange();
        foreach (var property in body.EnumerateObject())
        {
            var value = property.Value;
            var name = property.Name;
            switch (name)
            {
                case "sessionAbsoluteLifetimeSeconds":
                case "sessionIdleTimeoutSeconds":
                case "machineTokenMaxLifetimeSeconds":
                    if (!TryNumber(value, out var seconds))
                    {
                        return (null, new(name, $"{name} must be a whole number of seconds, or null for the server's."));
                    }

                    change = name switch
                    {
                        "sessionAbsoluteLifetimeSeconds" => change with { SessionAbsoluteLifetimeSeconds = Optional<long?>.Of(seconds) },
                        "sessionIdleTimeoutSeconds" => change with { SessionIdleTimeoutSeconds = Optional<long?>.Of(seconds) },
                        _ => change with { MachineTokenMaxLifetimeSeconds = Optional<long?>.Of(seconds) },
                    };
                    break;
                case "maxAppInstancesPerPerson":
                case "passwordMinLength":
                    if (!TryNumber(value, out var number) || number is > int.MaxValue or < int.MinValue)
                    {
                        return (null, new(name, $"{name} must be a whole number, or null for the server's."));
                    }

                    change = name == "passwordMinLength"
                        ? change with { PasswordMinLength = Optional<int?>.Of((int?)number) }
                        : change with { MaxAppInstancesPerPerson = Optional<int?>.Of((int?)number) };
                    break;
                case "machineTokenScopes":
                    if (!TryStrings(value, out var scopes))
                    {
                        return (null, new(name, "machineTokenScopes must be a list of scopes, or null for any."));
                    }

                    change = change with { MachineTokenScopes = Optional<IReadOnlyList<string>?>.Of(scopes) };
                    break;
                case "mfaRequiredFor":
                    if (!TryStrings(value, out var roles))
                    {
                        return (null, new(name, "A list of roles: owner, admin, member."));
                    }

                    change = change with { MfaRequiredFor = Optional<IReadOnlyList<string?>>.Of(roles ?? []) };
                    break;
                default:
                    return (null, new(name, $"{name} is no setting of the tenant's policy."));
            }
        }

        return (change, null);

        static bool TryNumber(JsonElement value, out long? number)
        {
            number = null;
            if (value.ValueKind == JsonValueKind.Null)
            {
                return true;
            }

            if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n))
            {
                number = n;
                return true;
            }

            return false;
        }

        static bool TryStrings(JsonElement value, out IReadOnlyList<string>? strings)
        {
            strings = null;
            if (value.ValueKind == JsonValueKind.Null)
            {
                return true;
            }

            if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
            {
                return false;
            }

            strings = value.EnumerateArray().Select(e => e.GetString()!).ToList();
            return true;
        }
    }

    internal static TenantPolicyResponse ToResponse(TenantPolicy policy, string mfaPolicy, TenantPolicyBounds bounds) =>
        new(policy.SessionAbsoluteLifetimeSeconds, policy.SessionIdleTimeoutSeconds, policy.MaxSessionsPerUser,
            policy.MachineTokenMaxLifetimeSeconds, policy.AllowedScopes, policy.PasswordMinLength, MfaPolicy.Roles(mfaPolicy),
            policy.IsEmpty ? null : policy.UpdatedAt,
            new(bounds.SessionAbsoluteLifetimeSeconds, bounds.SessionIdleTimeoutSeconds, bounds.MinSessionIdleTimeoutSeconds,
                bounds.MaxAppInstancesPerPerson, bounds.MachineTokenMaxLifetimeSeconds, bounds.PasswordMinLength, bounds.PasswordMaxLength));
}
