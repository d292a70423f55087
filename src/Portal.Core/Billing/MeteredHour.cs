using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Core.Billing;

/// <summary>
/// An hour the metering job has finished: its usage records are all written. The job meters every ended hour
/// after the last of these, so a late run or one after downtime catches up without a gap.
/// </summary>
public class MeteredHour
{
    public DateTime Hour { get; set; }
    public DateTime MeteredAt { get; set; }
    public int Records { get; set; }
}

internal sealed class MeteredHourConfiguration : IEntityTypeConfiguration<MeteredHour>
{
    public void Configure(EntityTypeBuilder<MeteredHour> b) => b.HasKey(x => x.Hour);
}
