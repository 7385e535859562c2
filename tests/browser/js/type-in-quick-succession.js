// Types each of `texts` into the text box `input` `gapMs` after the one before, each committed as
// Enter or leaving the box commits it (an "input" event, then a "change" event): a student who
// corrects a value at once. Resolves after the last one.
(input, [texts, gapMs]) =>
  new Promise((resolve) => {
    texts.forEach((text, index) =>
      setTimeout(() => {
        input.value = text;
        input.dispatchEvent(new Event("input", { bubbles: true }));
        input.dispatchEvent(new Event("change", { bubbles: true }));
        if (index === texts.length - 1) resolve();
      }, gapMs * index),
    );
  });
