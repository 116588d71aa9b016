using QpActors.Domain.Events;

namespace QpActors.Domain.Schedule;

public enum ReviewState
{
    /// <summary>The window has not opened.</summary>
    NotYetDue,

    /// <summary>The window is open and no review is recorded.</summary>
    Due,

    /// <summary>Recorded on or before the window's last day (early counts as on time).</summary>
    CompletedOnTime,

    CompletedLate,

    /// <summary>The window closed with no review recorded.</summary>
    Overdue,
}

/// <summary>Where one mandated review stands for a child on a given day.</summary>
/// <param name="DueBy">The window's last day, included.</param>
/// <param name="EventId">The review-completed event, when there is one.</param>
/// <param name="AnchorEventIds">The events the window was computed from (booking, birth record).</param>
/// <param name="AlsoReportedBy">A later date some indicators also report (1-year review: 15 months).</param>
/// <param name="CompletedByAlsoReportedBy">Whether the review was recorded by <paramref name="AlsoReportedBy"/>; null without such a date.</param>
public sealed record ReviewStatus(
    MandatedReview Review,
    DateOnly DueFrom,
    DateOnly DueBy,
    DateOnly? CompletedOn,
    ReviewState Status,
    string? EventId,
    IReadOnlyList<string> AnchorEventIds,
    DateOnly? AlsoReportedBy = null,
    bool? CompletedByAlsoReportedBy = null);
