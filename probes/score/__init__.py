"""Step 6 of the data flow: score the stored, judged round on the indicator system, pure.

``observations`` reads what each item of ``scenarios/indicators.yaml`` rests on for each city
(judgements, evaluators' overrides, threads, health checks); ``scoring`` turns observations into
item, indicator, city, region and national figures; ``replies`` scores a reply (working days,
timeliness, the suggested effectiveness); ``explain`` says why a probe scores what it does
(each item's rule and facts); ``hardware`` holds the health-check rubrics; ``offline`` reads
the evaluators' service-hall spreadsheet and combines it with the online side.
"""
