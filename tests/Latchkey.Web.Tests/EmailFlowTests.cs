using Microsoft.Playwright;
using static Latchkey.Web.Tests.People;

namespace Latchkey.Web.Tests;

/// <summary>The flows that go through an e-mail message: the link is read from the message the server sent.</summary>
[Collection(BrowserCollection.Name)]
public sealed class EmailFlowTests(Browsers browsers)
{
    private const string NewPassword = "a brand new staple for the horse";

    [Fact]
    public async Task APersonWhoForgotTheirPasswordSetsANewOneFromTheMailedLinkAndSignsInWithIt()
    {
        var server = browsers.Server;
        await using var device = await browsers.NewDeviceAsync();
        var page = await device.NewPageAsync();
        var login = await NewOwnerAsync(page, "forgetful");

        // A reset goes to a verified address only: set and verify one on the Account page first. Note: an address other
        // than the login, whose sign-up already sent a verification link (replaced by this one, and so void).
        var address = NewLogin("forgetful-mail");
        await page.GotoAsync("/account");
        await page.GetByLabel("New e-mail address").FillAsync(address);
        await page.Locator("#email-form").GetByLabel("Your password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Change e-mail address" }).ClickAsync();
        await Assertions.Expect(page.Locator("#email-form-message")).ToContainTextAsync("A link has been sent");
        await page.GotoAsync(WebServer.Follow(await Mail.LinkAsync(server, address, "/verify-email")));
        await Assertions.Expect(page.Locator("#verify-message")).ToHaveTextAsync("Your e-mail address is verified.");
        Assert.DoesNotContain("#", page.Url, StringComparison.Ordinal);
        await page.GotoAsync("/account");
        await Assertions.Expect(page.Locator("#email-state")).ToHaveTextAsync("Verified");
        // Note: signing out navigates to the sign-in page itself; a navigation of the test's own would race it.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await ArriveAtAsync(page, "/login$");

        await page.GetByRole(AriaRole.Link, new() { Name = "Forgot password?" }).ClickAsync();
        await page.GetByLabel("Login (e-mail or name)").FillAsync(login);
        await page.GetByRole(AriaRole.Button, new() { Name = "Send the link" }).ClickAsync();
        await Assertions.Expect(page.Locator("#forgot-message")).ToContainTextAsync("If this login belongs to a person");

        var link = WebServer.Follow(await Mail.LinkAsync(server, address, "/reset-password"));
        await page.GotoAsync(link);
        await Assertions.Expect(page).ToHaveURLAsync(server.BaseUrl + "/reset-password");
        await page.GetByLabel("New password", new() { Exact = true }).FillAsync(NewPassword);
        await page.GetByLabel("Repeat the new password").FillAsync(NewPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Set the new password" }).ClickAsync();
        await ArriveAtAsync(page, @"/login\?reset=1$");
        await Assertions.Expect(page.Locator("#login-message")).ToContainTextAsync("Sign in with the new password");

        await SignInAsync(page, login, NewPassword);
        await Assertions.Expect(page).ToHaveURLAsync(server.BaseUrl + "/devices");

        // The link works once.
        await page.GotoAsync("/login");
        var again = await device.NewPageAsync();
        await again.GotoAsync(link);
        await again.GetByLabel("New password", new() { Exact = true }).FillAsync(NewPassword);
        await again.GetByLabel("Repeat the new password").FillAsync(NewPassword);
        await again.GetByRole(AriaRole.Button, new() { Name = "Set the new password" }).ClickAsync();
        await Assertions.Expect(again.Locator("#reset-message")).ToContainTextAsync("not valid");
    }

    [Fact]
    public async Task AnInvitedPersonChoosesAPasswordAndIsSignedInWithTheInvitedRole()
    {
        var server = browsers.Server;
        await using var ownerDevice = await browsers.NewDeviceAsync();
        var owner = await ownerDevice.NewPageAsync();
        await NewOwnerAsync(owner, "inviter");
        var invited = NewLogin("invited");

        await owner.GotoAsync("/users");
        await owner.GetByLabel("E-mail address").FillAsync(invited);
        await owner.Locator("#invite-role").SelectOptionAsync("admin");
        await owner.GetByRole(AriaRole.Button, new() { Name = "Send invitation" }).ClickAsync();
        await Assertions.Expect(owner.Locator("#invitations li")).ToContainTextAsync(invited);

        await using var device = await browsers.NewDeviceAsync();
        var page = await device.NewPageAsync();
        await page.GotoAsync(WebServer.Follow(await Mail.LinkAsync(server, invited, "/accept-invitation")));
        await Assertions.Expect(page).ToHaveURLAsync(server.BaseUrl + "/accept-invitation");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(Password);
        await page.GetByLabel("Repeat the password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Accept and create my account" }).ClickAsync();
        await ArriveAtAsync(page, @"/login\?invited=1$");
        await SignInAsync(page, invited);

        // An admin sees the admin pages.
        await page.GotoAsync("/users");
        await Assertions.Expect(page).ToHaveURLAsync(server.BaseUrl + "/users");
        await Assertions.Expect(page.Locator("#users tbody tr", new() { HasText = invited })).ToContainTextAsync("Active");
        await Assertions.Expect(page.Locator($"#users tbody tr:has-text('{invited}') select")).ToHaveValueAsync("admin");

        await owner.ReloadAsync();
        await Assertions.Expect(owner.Locator("#invitations-empty")).ToBeVisibleAsync();
    }
}
