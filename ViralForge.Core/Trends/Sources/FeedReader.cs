using System.Globalization;
using System.ServiceModel.Syndication;
using System.Xml;
using System.Xml.Linq;

namespace ViralForge.Core.Trends.Sources;

/// <summary>
/// Any RSS 2.0 or Atom 1.0 feed (System.ServiceModel.Syndication), read with DTDs refused and no
/// resolver, lenient about dates and links; Google Trends' ht: elements (approximate traffic, picture,
/// news items) and Media RSS thumbnails are read from the item's extensions.
/// </summary>
public sealed class FeedReader : ITrendReader
{
    public TrendSourceKind Kind => TrendSourceKind.Feed;
    public string? Unconfigured => null;

    public string? Validate(string address, TrendSourceSettings settings) =>
        TrendText.SafeUrl(address) is null ? "Give the feed's full http(s) address." : null;

    public async Task ReadAsync(TrendSource source, TrendRequests requests, List<FetchedTrend> into, CancellationToken ct)
    {
        var url = new Uri(source.Address);
        var answer = await requests.GetAsync(url, ct);
        into.AddRange(Parse(answer.Body, answer.ContentType, url));
    }

    public static IReadOnlyList<FetchedTrend> Parse(byte[] body, string? contentType, Uri feedUrl)
    {
        var feed = Load(body, contentType);
        var language = feed.Language;
        // Google Trends gives every item the feed's own link; such a link says nothing about the item.
        var feedBase = Based(feed.BaseUri, feedUrl);
        var feedLinks = feed.Links.Select(l => Absolute(l, feedBase)).Append(feedUrl.AbsoluteUri).OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
        var items = new List<FetchedTrend>();
        foreach (var item in feed.Items)
        {
            var link = item.Links.FirstOrDefault(l => l.RelationshipType is null or "alternate") ?? item.Links.FirstOrDefault();
            var url = Absolute(link, Based(item.BaseUri, feedBase)) is { } absolute && !feedLinks.Contains(absolute) ? absolute : null;
            var title = item.Title?.Text;
            var extras = Extensions(item);
            var summary = item.Summary?.Text ?? (item.Content as TextSyndicationContent)?.Text;
            var published = Real(item.PublishDate) ?? Real(item.LastUpdatedTime);
            // Feeds without ids are common; the link, then the title, stands in.
            var id = item.Id is { Length: > 0 and <= 300 } given ? given : url ?? TrendText.TitleKey(title ?? "");
            if (string.IsNullOrWhiteSpace(id))
            {
                continue;
            }
            items.Add(new FetchedTrend(id.Length <= 300 ? id : id[..300], title)
            {
                Summary = summary,
                Url = url ?? (extras.News.Count > 0 ? extras.News[0].Url : null),
                PublishedAt = published,
                Language = language,
                Traffic = extras.Traffic,
                Score = ParseTraffic(extras.Traffic),
                PictureUrl = extras.Picture,
                News = extras.News,
            });
        }
        return items;
    }

    private static SyndicationFeed Load(byte[] body, string? contentType)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersFromEntities = 1024,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
        };
        try
        {
            using var stream = new MemoryStream(body, writable: false);
            using var xml = XmlReader.Create(stream, settings);
            xml.MoveToContent();
            var rss = new Rss20FeedFormatter { DateTimeParser = LenientDate, UriParser = LenientUri };
            var atom = new Atom10FeedFormatter { DateTimeParser = LenientDate, UriParser = LenientUri };
            if (rss.CanRead(xml))
            {
                rss.ReadFrom(xml);
                return rss.Feed;
            }
            if (atom.CanRead(xml))
            {
                atom.ReadFrom(xml);
                return atom.Feed;
            }
            var page = xml.LocalName.Equals("html", StringComparison.OrdinalIgnoreCase) || contentType?.Contains("html", StringComparison.OrdinalIgnoreCase) == true;
            throw new TrendSourceException(page
                ? $"The address returned a web page ({contentType ?? "HTML"}), not an RSS or Atom feed. Use the feed's own address."
                : $"The answer is XML but not an RSS or Atom feed (its root element is <{TrendText.Clean(xml.LocalName, 40)}>).");
        }
        catch (XmlException ex) when (LooksLikeWebPage(body, contentType))
        {
            throw new TrendSourceException($"The address returned a web page ({contentType ?? "HTML"}), not an RSS or Atom feed. Use the feed's own address.", null, ex);
        }
        catch (XmlException ex) when (ex.Message.Contains("DTD", StringComparison.Ordinal))
        {
            throw new TrendSourceException("The feed declares a DTD (<!DOCTYPE>), which is refused: feeds never need one, and entity tricks hide in it.", null, ex);
        }
        catch (XmlException ex)
        {
            var html = contentType?.Contains("html", StringComparison.OrdinalIgnoreCase) == true ? $" (it sent {contentType})" : "";
            throw new TrendSourceException($"The feed is not well-formed XML{html} at line {ex.LineNumber}, position {ex.LinePosition}; it may be cut off or not a feed at all.", null, ex);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            throw new TrendSourceException($"The feed could not be read: {TrendText.Clean(ex.Message, 200)}", null, ex);
        }
    }

    /// <summary>A link resolved against its xml:base chain (link, item, feed), then the feed's address.</summary>
    private static string? Absolute(SyndicationLink? link, Uri baseUri) =>
        link?.Uri is not { } uri ? null : TrendText.SafeUrl(uri.IsAbsoluteUri ? uri.AbsoluteUri : uri.OriginalString, Based(link.BaseUri, baseUri));

    private static Uri Based(Uri? declared, Uri outer) =>
        declared is null ? outer : declared.IsAbsoluteUri ? declared : Uri.TryCreate(outer, declared, out var combined) ? combined : outer;

    private static bool LooksLikeWebPage(byte[] body, string? contentType)
    {
        if (contentType?.Contains("html", StringComparison.OrdinalIgnoreCase) == true)
        {
            return true;
        }
        var start = System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 256)).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        return start.StartsWith("<!doctype html", StringComparison.OrdinalIgnoreCase) || start.StartsWith("<html", StringComparison.OrdinalIgnoreCase);
    }

    private static bool LenientDate(XmlDateTimeData data, out DateTimeOffset value)
    {
        // An unreadable date is an item without a date, not a feed that cannot be read.
        value = TrendDates.Parse(data.DateTimeString) ?? DateTimeOffset.MinValue;
        return true;
    }

    private static bool LenientUri(XmlUriData data, out Uri uri)
    {
        uri = Uri.TryCreate(data.UriString?.Trim(), UriKind.RelativeOrAbsolute, out var parsed) ? parsed : new Uri("about:blank");
        return true;
    }

    private static DateTimeOffset? Real(DateTimeOffset value) => value == DateTimeOffset.MinValue || value == default ? null : value;

    private sealed record Extras(string? Traffic, string? Picture, IReadOnlyList<TrendNews> News);

    private static Extras Extensions(SyndicationItem item)
    {
        string? traffic = null, picture = null;
        var news = new List<TrendNews>();
        foreach (var extension in item.ElementExtensions)
        {
            var ns = extension.OuterNamespace ?? "";
            XElement element;
            try
            {
                using var reader = extension.GetReader();
                reader.MoveToContent();
                element = (XElement)XNode.ReadFrom(reader);
            }
            catch (XmlException)
            {
                continue;
            }
            if (ns.Contains("trends.google", StringComparison.OrdinalIgnoreCase))
            {
                switch (extension.OuterName)
                {
                    case "approx_traffic":
                        traffic = TrendText.Clean(element.Value, 32);
                        break;
                    case "picture":
                        picture ??= TrendText.SafeUrl(element.Value);
                        break;
                    case "news_item" when news.Count < 5:
                        var title = TrendText.Clean(Child(element, "news_item_title"), 300);
                        if (title.Length > 0)
                        {
                            news.Add(new TrendNews(title, TrendText.SafeUrl(Child(element, "news_item_url")), TrendText.Clean(Child(element, "news_item_source"), 100) is { Length: > 0 } outlet ? outlet : null));
                        }
                        break;
                }
            }
            else if (ns.Contains("search.yahoo.com/mrss", StringComparison.OrdinalIgnoreCase) && extension.OuterName is "thumbnail" or "content")
            {
                picture ??= TrendText.SafeUrl((string?)element.Attribute("url"));
            }
        }
        return new Extras(traffic, picture, news);
    }

    private static string? Child(XElement parent, string localName) =>
        parent.Elements().FirstOrDefault(e => e.Name.LocalName == localName)?.Value;

    /// <summary>"200K+", "2,000+", "1M+" searches as a number.</summary>
    public static double ParseTraffic(string? traffic)
    {
        if (string.IsNullOrWhiteSpace(traffic))
        {
            return 0;
        }
        var s = traffic.Trim().TrimEnd('+').Replace(",", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);
        var factor = 1.0;
        if (s.Length > 0 && char.ToUpperInvariant(s[^1]) is 'K' or 'M' or 'B')
        {
            factor = char.ToUpperInvariant(s[^1]) switch { 'K' => 1e3, 'M' => 1e6, _ => 1e9 };
            s = s[..^1];
        }
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && double.IsFinite(n) ? n * factor : 0;
    }
}
