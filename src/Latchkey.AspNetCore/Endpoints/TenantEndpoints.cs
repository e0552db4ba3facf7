using Latchkey.AspNetCore.Authentication;
using Latchkey.AspNetCore.Authorization;
using Latchkey.Contracts;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Latchkey.AspNetCore.Endpoints;

/// <summary>The caller's tenant's own data, for its owners and admins.</summary>
internal static class TenantEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        var tenant = v1.MapGroup("/tenant").RequireAuthorization(LatchkeyDefaults.TenantAdminPolicy).WithTags("Tenant");
        tenant.MapGet("", GetAsync).WithName("GetTenant").WithSummary("The tenant's own data");
        tenant.MapPatch("", UpdateAsync).RequireRecentAuthentication().WithName("UpdateTenant")
            .WithSummary("Change the tenant's name, contact e-mail or MFA policy (mfaRequiredFor: owners only)");
    }

    private static async Task<Results<Ok<TenantResponse>, ProblemHttpResult>> GetAsync(
        TenantService tenants, HttpContext context, CancellationToken cancellationToken)
    {
        var caller = CallerPrincipal.ToCaller(context);
        var tenant = await tenants.GetAsync(caller, cancellationToken);
        return tenant is null ? NotFound() : TypedResults.Ok(ToResponse(tenant, await tenants.GetMfaPolicyAsync(caller, cancellationToken)));
    }

    private static async Task<Results<Ok<TenantResponse>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        TenantUpdateRequest request, TenantService tenants, HttpContext context, CancellationToken cancellationToken)
    {
        var caller = CallerPrincipal.ToCaller(context);
        if (request.MfaRequiredFor is not null)
        {
            var policy = await tenants.SetMfaPolicyAsync(caller, request.MfaRequiredFor, cancellationToken);
            if (policy.Error is not null)
            {
                return Problems.Invalid(policy.Error);
            }

            if (policy.Forbidden)
            {
                return Problems.Status(StatusCodes.Status403Forbidden, "Forbidden", "Only an owner may change the tenant's MFA policy.");
            }
        }

        var (tenant, error) = await tenants.UpdateAsync(caller, request.Name, request.ContactEmail, cancellationToken);
        if (error is not null)
        {
            return Problems.Invalid(error);
        }

        return tenant is null ? NotFound() : TypedResults.Ok(ToResponse(tenant, await tenants.GetMfaPolicyAsync(caller, cancellationToken)));
    }

    private static TenantResponse ToResponse(Tenant tenant, string mfaPolicy) =>
        new(tenant.Id, tenant.Name, tenant.ContactEmail, tenant.CreatedAt, MfaPolicy.Roles(mfaPolicy));

    private static ProblemHttpResult NotFound() => Problems.Status(StatusCodes.Status404NotFound, "Tenant not found");
}
