using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace IdentityPeer;

internal sealed class PeerDbContext(DbContextOptions<PeerDbContext> options) : IdentityDbContext<IdentityUser>(options);
