using System.Runtime.CompilerServices;

// Note: the storage and hosting layers implement and call Core's internal contracts; integrators see only options.
[assembly: InternalsVisibleTo("Latchkey.Storage")]
[assembly: InternalsVisibleTo("Latchkey.AspNetCore")]
[assembly: InternalsVisibleTo("Latchkey.Server")]
[assembly: InternalsVisibleTo("Latchkey.Storage.Sqlite")]
[assembly: InternalsVisibleTo("Latchkey.Storage.Postgres")]
