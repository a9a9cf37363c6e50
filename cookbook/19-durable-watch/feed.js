// feed.js: queues the day's image resize jobs.
const files = ['cat.jpg', 'dog.png', 'panorama.jpg', 'logo.svg', 'map.png'];
const widths = [1200, 800, 40000, 512, 2048];
files.forEach((file, i) => Event.publish('image.resize', { n: i + 1, of: files.length, file, width: widths[i] }));
