#+ summary: Drop a staging graph a large write copied its quads into
#+ params:
#+   stage: {type: iri}
DROP SILENT GRAPH ?stage
