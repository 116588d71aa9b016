using QpActors.Domain.Risk;

namespace QpActors.Domain.Tests;

/// <summary>The risk history's causes for changes time made: wire values, one per kind, and the old one kept.</summary>
public sealed class TimeChangeLabelsTests
{
    [Theory]
    [InlineData(TimeChanges.ReviewWindow, "time: review window")]
    [InlineData(TimeChanges.LookBack, "time: look-back")]
    [InlineData(TimeChanges.RegistrationGraceEnded, "time: not registered with the centre by 8 weeks")]
    [InlineData(TimeChanges.FifthBirthday, "time: fifth birthday")]
    [InlineData(TimeChanges.ReviewWindow | TimeChanges.LookBack | TimeChanges.FifthBirthday, "time: fifth birthday, review window, look-back")]
    [InlineData(TimeChanges.None, "time: unknown")]
    public void Each_kind_has_its_own_label_and_kinds_falling_together_are_all_named(TimeChanges changes, string label) =>
        Assert.Equal(label, TimeChangeLabels.Label(changes));
}
