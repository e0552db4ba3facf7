namespace Latchkey.Server;

/// <summary>Where the server finds its files, wherever it is started from.</summary>
internal static class ServerStart
{
    /// <summary>A directory of files, one per secret setting (<c>AddKeyPerFile</c>). Defaults to none.</summary>
    public const string SecretsDirectoryKey = "Latchkey:SecretsDirectory";

    /// <summary>
    /// The host's options: a published server's content root is its own directory (where <c>appsettings.json</c>,
    /// <c>wwwroot</c> and the pages are), not the working directory it happens to be started in.
    /// </summary>
    // Note: only for a published server (one whose directory holds wwwroot): `dotnet run` starts in the project's folder,
    // whose wwwroot and pages are the sources, and its build output has no wwwroot to serve. A content root given on the
    // command line or in the environment still wins.
    public static WebApplicationOptions Options(string[] args)
    {
        var given = args.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase)
                || a.StartsWith("--contentroot", StringComparison.OrdinalIgnoreCase))
            || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_CONTENTROOT"))
            || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOTNET_CONTENTROOT"));
        var published = Directory.Exists(Path.Combine(AppContext.BaseDirectory, "wwwroot"));
        return new WebApplicationOptions
        {
            Args = PreferOperatorsPorts(args),
            ContentRootPath = !given && published ? AppContext.BaseDirectory : null,
        };
    }

    /// <summary>
    /// The address shipped in appsettings.json (<c>Urls</c>: http://localhost:5080) is a default: an operator's
    /// <c>ASPNETCORE_HTTP_PORTS</c>/<c>HTTPS_PORTS</c> (which the .NET container images set to 8080) replaces it.
    /// </summary>
    // Note: ASP.NET Core ranks any Urls above the ports and warns of the conflict; here only addresses the operator gave
    // (--urls, ASPNETCORE_URLS, DOTNET_URLS) do. An empty --urls, the highest-ranked source, hides the shipped one; it
    // must be in the arguments because the host reads its addresses before Program.cs can change the configuration.
    private static string[] PreferOperatorsPorts(string[] args)
    {
        var ports = Variable("HTTP_PORTS") + Variable("HTTPS_PORTS");
        var urlsGiven = args.Any(a => a.StartsWith("--urls", StringComparison.OrdinalIgnoreCase))
            || Variable("URLS").Length > 0;
        return ports.Length > 0 && !urlsGiven ? [.. args, "--urls="] : args;
    }

    private static string Variable(string name) =>
        Environment.GetEnvironmentVariable("ASPNETCORE_" + name) ?? Environment.GetEnvironmentVariable("DOTNET_" + name) ?? "";
}
