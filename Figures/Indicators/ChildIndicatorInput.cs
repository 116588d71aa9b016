namespace QpActors.Figures.Indicators;

/// <summary>
/// What the indicators need to know about one child: no name, no address, only dates.
/// </summary>
/// <param name="ChildId">Pseudonymous id; used only to reject duplicates.</param>
/// <param name="ExpectedDueDate">Lets the gestation at the antenatal contact be derived when it was not recorded.</param>
/// <param name="DateOfBirth">Null while the child is unborn; unborn children are in no cohort.</param>
/// <param name="AntenatalContactOn">First face-to-face antenatal contact with a health visitor.</param>
/// <param name="AntenatalGestationWeeks">Completed weeks of pregnancy at that contact, when recorded.</param>
/// <param name="NewBirthVisitOn">New birth visit.</param>
/// <param name="SixToEightWeekReviewOn">6-8 week review.</param>
/// <param name="OneYearReviewOn">1 year (12 month) review.</param>
/// <param name="TwoYearReviewOn">2-2½ year review.</param>
/// <param name="TwoYearReviewWithAsq3On">
/// The first 2-2½ year review that used the ASQ-3 questionnaire (C6ii counts it only by 2½ years): not necessarily
/// <paramref name="TwoYearReviewOn"/>, when the questionnaire was completed at a second contact.
/// </param>
/// <param name="AntenatalContactOwed">
/// False when no antenatal contact was owed: a baby born by the day pregnancy reached 28 weeks, for whom the contact "from 28
/// weeks", before the day of birth, could never be given. C1 leaves such a child out of its denominator.
/// </param>
/// <remarks>
/// Each review's date is the one the child's review schedule counts as that review (Domain's <c>ReviewWindows</c>: a
/// contact recorded before the review's earliest day, or an antenatal contact dated the day of birth or later, is not the review), so
/// the indicators and the schedule agree and the rule is written once, there. The indicators add only their own bounds
/// (by 14 days, by 12 months...).
/// </remarks>
public sealed record ChildIndicatorInput(
    string ChildId,
    DateOnly? ExpectedDueDate,
    DateOnly? DateOfBirth,
    DateOnly? AntenatalContactOn,
    int? AntenatalGestationWeeks,
    DateOnly? NewBirthVisitOn,
    DateOnly? SixToEightWeekReviewOn,
    DateOnly? OneYearReviewOn,
    DateOnly? TwoYearReviewOn,
    DateOnly? TwoYearReviewWithAsq3On,
    bool AntenatalContactOwed = true)
{
    /// <summary>A child with only an id and a date of birth; use <c>with</c> to add contacts.</summary>
    public static ChildIndicatorInput Born(string childId, DateOnly dateOfBirth) =>
        new(childId, null, dateOfBirth, null, null, null, null, null, null, null);
}

/// <summary>One indicator's value: <see cref="Percent"/> is 0-100, null when the denominator is 0.</summary>
public sealed record IndicatorValue(int Numerator, int Denominator, double? Percent)
{
    internal static IndicatorValue Of(int numerator, int denominator) =>
        new(numerator, denominator, denominator == 0 ? null : 100.0 * numerator / denominator);
}
