namespace QpActors.Bench;

/// <summary>The speeds the issues ask for (issues 3, 4 and 6), in one place so every run compares the same way.</summary>
public static class Targets
{
    /// <summary>Durable contact events through the grain interface, each store (issue 3).</summary>
    public const double GrainEventsPerSecond = 10_000;

    /// <summary>Memory per activated child with a typical history (issue 3).</summary>
    public const double BytesPerChild = 5 * 1024;

    /// <summary><c>POST /v1/contacts</c> on PostgreSQL at 64 connections (issue 4).</summary>
    public const double SingleIngestPerSecond = 5_000;

    public const double SingleIngestP99Ms = 50;

    /// <summary><c>POST /v1/contacts/batch</c>, 100 a batch (issue 4).</summary>
    public const double BatchIngestPerSecond = 20_000;

    /// <summary>Audited risk reads at 64 connections, or 0.8 of a trivial GET (issue 4).</summary>
    public const double RiskReadsPerSecond = 15_000;

    public const double RiskReadP99Ms = 10;

    public const double RiskReadShareOfTrivialGet = 0.8;

    /// <summary>From acknowledgement to the ward figures showing the event (issue 6).</summary>
    public const double FreshnessP99Ms = 1_000;

    /// <summary>Start to ready with the binaries built (issue 6).</summary>
    public const double StartToReadySeconds = 5;

    /// <summary>A 1-minute load average above this (on 2 cores) means others were busy: the figure is flagged.</summary>
    public const double BusyLoadAverage = 1.5;
}
