// The background colour of every Bokeh plot on the page, from BokehJS's documents.
() => Bokeh.documents.flatMap((doc) => [...doc.all_models])
  .filter((model) => "x_range" in model.properties && "background_fill_color" in model.properties)
  .map((plot) => plot.background_fill_color)
