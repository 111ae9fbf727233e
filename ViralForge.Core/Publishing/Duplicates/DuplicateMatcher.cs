namespace ViralForge.Core.Publishing.Duplicates;

/// <summary>
/// How much of a new video is already out: the share of its frames that have a near-identical frame
/// (in perceptual hash) anywhere in a known item. Order-free, so a copy that is trimmed, re-cut or
/// played a little faster or slower still matches frame by frame.
/// </summary>
public static class DuplicateMatcher
{
    public static double Score(ReadOnlySpan<ulong> candidate, ReadOnlySpan<ulong> known, int maxDistance)
    {
        if (candidate.IsEmpty || known.IsEmpty)
        {
            return 0;
        }
        var matched = 0;
        foreach (var frame in candidate)
        {
            foreach (var other in known)
            {
                if (FrameHash.Distance(frame, other) <= maxDistance)
                {
                    matched++;
                    break;
                }
            }
        }
        return (double)matched / candidate.Length;
    }

    /// <summary>The best-scoring known item (null when there is none); the caller decides whether it is close enough.</summary>
    public static (T Item, double Score)? Best<T>(ReadOnlySpan<ulong> candidate, IEnumerable<(T Item, ulong[] Hashes)> known, int maxDistance)
    {
        (T Item, double Score)? best = null;
        foreach (var (item, hashes) in known)
        {
            var score = Score(candidate, hashes, maxDistance);
            if (best is null || score > best.Value.Score)
            {
                best = (item, score);
            }
        }
        return best;
    }

    /// <summary>
    /// Pairs of scenes that show the same picture: most frames of one have a frame of the other that is
    /// near-identical in hash and in average colour (the same stock clip or keyframe used twice).
    /// </summary>
    public static List<(int First, int Second, double Score)> RepeatedScenes(IReadOnlyList<IReadOnlyList<FrameHash>> scenes, int maxDistance, int colourTolerance, double threshold)
    {
        var pairs = new List<(int, int, double)>();
        for (var a = 0; a < scenes.Count; a++)
        {
            for (var b = a + 1; b < scenes.Count; b++)
            {
                var score = Math.Min(SceneScore(scenes[a], scenes[b], maxDistance, colourTolerance), SceneScore(scenes[b], scenes[a], maxDistance, colourTolerance));
                if (score >= threshold)
                {
                    pairs.Add((a, b, score));
                }
            }
        }
        return pairs;
    }

    private static double SceneScore(IReadOnlyList<FrameHash> candidate, IReadOnlyList<FrameHash> known, int maxDistance, int colourTolerance)
    {
        if (candidate.Count == 0 || known.Count == 0)
        {
            return 0;
        }
        var matched = candidate.Count(f => known.Any(k => FrameHash.Distance(f.Hash, k.Hash) <= maxDistance && f.ColourDistance(k) <= colourTolerance));
        return (double)matched / candidate.Count;
    }
}
