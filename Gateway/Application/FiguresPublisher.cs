using QpActors.Figures.Publishing;

namespace QpActors.Gateway.Application;

/// <summary>
/// The one seam through which aggregate figures leave the gateway for the commission: the NHS
/// small-number rule (0 stays 0, 1-7 suppressed, others rounded to 5, secondary suppression) is applied
/// here, by the Figures library's disclosure component, never re-implemented per figure.
/// </summary>
public interface IFiguresPublisher
{
    /// <summary>
    /// The document as it may be published, or null when it cannot be made safe (then nothing is sent).
    /// </summary>
    /// <param name="rawDocument">A raw ward or area document from the grains.</param>
    /// <param name="neighbours">The other wards of the area (for an area: its wards), so a hidden cell cannot be recovered by subtraction.</param>
    string? Publish(string rawDocument, IReadOnlyList<string>? neighbours);
}

/// <summary>Publishes through <see cref="FiguresPublisher.ForCommission"/>; fails closed on inconsistent counts.</summary>
public sealed class SmallNumberFiguresPublisher(ILogger<SmallNumberFiguresPublisher> logger) : IFiguresPublisher
{
    public string? Publish(string rawDocument, IReadOnlyList<string>? neighbours)
    {
        try
        {
            return FiguresPublisher.ForCommission(rawDocument, neighbours);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            logger.LogError(ex, "Figures withheld: the document could not be made safe to publish");
            return null;
        }
    }
}
