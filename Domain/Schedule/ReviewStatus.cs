using QpActors.Domain.Events;

namespace QpActors.Domain.Schedule;

public enum ReviewState
{
    /// <summary>The window has not opened.</summary>
    NotYetDue,

    /// <summary>The window is open and no review is recorded.</summary>
    Due,

    /// <summary>
    /// Recorded on or before the window's last day. Before the window opens counts as on time only from the review's
    /// earliest day (<see cref="ReviewWindow.Earliest"/>): a contact recorded earlier is not this review.
    /// </summary>
    CompletedOnTime,

    CompletedLate,

    /// <summary>The window closed with no review recorded; it can still be given, late.</summary>
    Overdue,

    /// <summary>
    /// No review was recorded by the last day it could be given (<see cref="ReviewWindow.LastPossible"/>): the antenatal
    /// contact once the baby is born. It is owed no more and cannot be given late, unlike an overdue review.
    /// </summary>
    Missed,
}

/// <summary>Where one mandated review stands for a child on a given day.</summary>
/// <param name="DueBy">The window's last day, included.</param>
/// <param name="EventId">The review-completed event, when there is one.</param>
/// <param name="AnchorEventIds">The events the window was computed from (booking, birth record).</param>
/// <param name="AlsoReportedBy">A later date some indicators also report (1-year review: 15 months).</param>
/// <param name="CompletedByAlsoReportedBy">Whether the review was recorded by <paramref name="AlsoReportedBy"/>; null without such a date.</param>
/// <param name="LastPossible">The last day the review can be given, where the schedule names one and it is known (the antenatal contact: the day before the birth).</param>
public sealed record ReviewStatus(
    MandatedReview Review,
    DateOnly DueFrom,
    DateOnly DueBy,
    DateOnly? CompletedOn,
    ReviewState Status,
    string? EventId,
    IReadOnlyList<string> AnchorEventIds,
    DateOnly? AlsoReportedBy = null,
    bool? CompletedByAlsoReportedBy = null,
    DateOnly? LastPossible = null);
