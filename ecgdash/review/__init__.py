"""Template review: a person labels groups of a recording's beats, and both models follow.

Clinics read long ECGs this way: the software groups the beats into templates, a person
confirms or relabels each, and every beat of a template takes that label; what the models
dispute is asked next. One module per job:

- ``session``: a review, the answers a person gave and the label each beat has from them;
- ``questions``: what to look at next, ranked by how many beats one click settles, each with why;
- ``calls``: each model's call for every beat once a person has labelled some;
- ``reader``: a simulated reader, to measure what a few clicks are worth;
- ``files``: a review as CSV and as a WFDB annotation file, and back.

    review = Review(n_beats=len(result.beats))
    asked = next_questions(review, groups.cluster, result.probas)
    review = review.answer(asked[0].beats, "N", key=asked[0].key, kind=asked[0].kind)
    calls = reviewed_proba(result.probas, review.labels)   # model name -> (n, 5)
"""
