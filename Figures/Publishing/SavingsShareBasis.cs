namespace QpActors.Figures.Publishing;

/// <summary>
/// What a ward's share of its area's projected savings is worked out from, all of it from counts as the commission sees
/// them (see <see cref="FiguresPublisher.SavingsShares"/>).
/// </summary>
/// <param name="ChildrenReached">The ward's children reached as published; null when hidden.</param>
/// <param name="NeedIndex">
/// The average need weight of the ward's children by suggested level, from the published levels (1 without children).
/// </param>
/// <param name="Weight">
/// Children reached x need index, a hidden count counting as an equal part of what its published total leaves over.
/// </param>
public sealed record SavingsShareBasis(int? ChildrenReached, decimal NeedIndex, decimal Weight)
{
    /// <summary>Decimals a document gives the need index to.</summary>
    public const int NeedIndexDecimals = 4;
}
