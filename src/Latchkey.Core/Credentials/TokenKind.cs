namespace Latchkey.Core.Credentials;

internal enum TokenKind
{
    /// <summary>An app session's API key (<c>lk_key_</c>), valid only with its app id.</summary>
    ApiKey,

    /// <summary>A machine user's token (<c>lk_mach_</c>): its login part followed by its secret part.</summary>
    MachineToken,
}
